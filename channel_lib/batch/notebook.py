"""Running one report: papermill executes the notebook, then the offline HTML page is exported.

- :func:`run_notebook` — papermill on one notebook, the executed copy written atomically (kept,
  error cell marked, when the notebook fails; never kept half-written, e.g. on a full disk:
  :class:`NotebookWriteError`);
- :class:`ReportTask` and :func:`execute_task` — one report of a batch (notebook, then HTML) as a
  plain function of a picklable argument, so any :class:`concurrent.futures.Executor` can run it:
  a process pool here, a Dask cluster there (Dask workers import it; closures from a script would
  not travel);
- :func:`brief_paths` — where a partner pack's executed notebook and internal brief go
  (``briefs/``, beside the partner's deck in ``partners/``);
- :func:`error_message` — the one line a failure leaves in the index and the manifest.

A partner pack is two documents from one execution: the **deck** for the partner (the page at
``partners/<id>.html``, exported from the cells tagged
:data:`~channel_lib.presentation.export.DECK_TAG` only, and its workbook ``partners/<id>.xlsx``
of those cells' tables: no executed notebook beside them, so nothing under ``partners/`` holds an
internal figure) and the **internal brief** (``briefs/<id>.html``: every cell but the deck's
title), with the executed notebook (the audit trail) and the workbook of every table beside it in
``briefs/``. A partner notebook that tags no
cell for the deck has no brief: its one page is the whole notebook, as before.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from channel_lib.batch.engine import KERNEL_NAME, WARM_ENGINE, register_engine
from channel_lib.core.config import BATCH_ENV, PROJECT_ROOT
from channel_lib.core.errors import ChannelLibError

#: Sub-folder of a quarter's folder for the partners' decks, and the one for the internal briefs.
DECK_FOLDER, BRIEF_FOLDER = "partners", "briefs"


def brief_paths(ipynb: str | Path) -> tuple[str, str]:
    """The executed notebook and the internal brief of a partner pack planned at ``ipynb``:
    the last ``partners`` folder of its path becomes ``briefs`` (unchanged without one).

    Examples
    --------
    >>> brief_paths("reports/FY2026-Q4/partners/P004.ipynb")
    ('reports/FY2026-Q4/briefs/P004.ipynb', 'reports/FY2026-Q4/briefs/P004.html')
    >>> brief_paths("reports/FY2026-Q4/briefs/P004.ipynb")[0]
    'reports/FY2026-Q4/briefs/P004.ipynb'
    """
    path = Path(ipynb)
    parents = list(path.parent.parts)
    if DECK_FOLDER in parents:
        parents[len(parents) - 1 - parents[::-1].index(DECK_FOLDER)] = BRIEF_FOLDER
        path = Path(*parents, path.name)
    return str(path), str(path.with_suffix(".html"))


class NotebookWriteError(ChannelLibError, OSError):
    """The executed notebook could not be written whole (a full disk, a read-only folder).

    Nothing is left under the notebook's final name but what was there before; the message names
    the file and the error.
    """


@dataclass(frozen=True)
class ReportTask:
    """One notebook execution of a batch (picklable; run by :func:`execute_task`).

    Attributes
    ----------
    key : str
        Identity within its quarter: the notebook name, or ``partners/<partner_id>`` for a partner
        pack (plus ``/<notebook>`` when there are several partner notebooks).
    quarter : str
        The fiscal quarter label.
    notebook : str
        Path of the source notebook.
    ipynb, html : str
        Where the executed notebook and its HTML page go (both written atomically).
    title : str
        The HTML page title.
    parameters : dict
        Values papermill injects (only parameters the notebook declares).
    cwd : str
        Working directory of the kernel (the project root).
    env : dict
        Environment variables for the run (e.g. the prepared-data folder).
    engine : str
        ``"channel_warm"`` (pre-warmed kernels) or ``"nbclient"`` (a fresh kernel each time).
    cell_timeout : float or None
        Seconds one cell may run.
    partner_id, partner_name : str or None
        The partner of a partner pack. Its executed notebook goes to ``briefs/`` whatever
        ``ipynb`` says (:func:`brief_paths`), with the internal brief page ``brief``; ``html``
        is the partner's deck.
    brief : str
        The internal brief's page (set from ``ipynb`` for a partner pack; ``""`` otherwise).
    """

    key: str
    quarter: str
    notebook: str
    ipynb: str
    html: str
    title: str
    parameters: dict[str, Any] = field(default_factory=dict)
    cwd: str = "."
    env: dict[str, str] = field(default_factory=dict)
    engine: str = WARM_ENGINE
    cell_timeout: float | None = 1800
    partner_id: str | None = None
    partner_name: str | None = None
    brief: str = ""

    def __post_init__(self) -> None:
        if self.partner_id is not None:
            ipynb, brief = brief_paths(self.ipynb)
            object.__setattr__(self, "ipynb", ipynb)  # frozen: set once, here
            object.__setattr__(self, "brief", self.brief or brief)


def error_message(exc: BaseException) -> str:
    """One line for the index and manifest: the cell's exception for a failed notebook.

    Examples
    --------
    >>> error_message(ValueError("boom"))
    'ValueError: boom'
    """
    ename = getattr(exc, "ename", None)
    if ename:  # PapermillExecutionError: the cell's exception
        evalue = str(getattr(exc, "evalue", "")).strip()
        return f"{ename}: {evalue}" if evalue else ename
    return f"{type(exc).__name__}: {exc}".strip()


def run_notebook(
    notebook: str | Path,
    output_ipynb: str | Path,
    parameters: Mapping[str, Any],
    *,
    cwd: str | Path = PROJECT_ROOT,
    kernel_name: str = KERNEL_NAME,
    cell_timeout: float | None = 1800,
    engine: str | None = None,
) -> Path:
    """Execute a notebook with papermill and write the executed copy.

    Parameters
    ----------
    notebook : str or Path
        The notebook to run.
    output_ipynb : str or Path
        Where the executed notebook goes. Papermill writes it while it runs, so it writes to a
        temporary name in the same folder and renames it when done — also when the notebook fails,
        so the failed notebook (error cell marked by papermill) is kept.
    parameters : mapping
        Values injected after the ``parameters`` cell.
    cwd : str or Path
        Working directory of the kernel (default: the project root, as notebooks expect).
    kernel_name : str
        Jupyter kernel (default ``python3``, the kernelspec the notebooks are committed with).
    cell_timeout : float or None
        Seconds one cell may run before the notebook fails (``None``: no limit).
    engine : str, optional
        Papermill engine: ``None``/``"nbclient"`` (papermill's default, a fresh kernel) or
        ``"channel_warm"`` (this process's pre-warmed kernels, :mod:`channel_lib.batch.engine`).

    Returns
    -------
    Path
        ``output_ipynb``.

    Raises
    ------
    papermill.PapermillExecutionError
        When a cell raises; the executed notebook is written first.
    NotebookWriteError
        When the executed notebook could not be written whole (a full disk): the temporary copy
        is removed and ``output_ipynb`` keeps what it had (nothing, or an earlier run's file).

    Notes
    -----
    The kernel runs with ``CHANNEL_WORKBOOK_BATCH=1`` (:data:`channel_lib.core.config.BATCH_ENV`),
    so the notebooks' explore sections show a static table of their defaults instead of live
    widgets.
    """
    # deferred: heavy, and papermill's engine entry point imports this module (executors) while
    # papermill itself is being imported
    import papermill

    if engine and engine != "nbclient":
        register_engine()  # also registered by the entry point when the package is installed

    output_ipynb = Path(output_ipynb)
    output_ipynb.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{output_ipynb.stem}.", suffix=".running.ipynb", dir=output_ipynb.parent
    )
    os.close(fd)
    batch_before = os.environ.get(BATCH_ENV)
    os.environ[BATCH_ENV] = "1"  # the kernel inherits it: explore sections render static defaults
    try:
        papermill.execute_notebook(
            str(notebook),
            tmp,
            parameters=dict(parameters),
            kernel_name=kernel_name,
            progress_bar=False,
            engine_name=engine,
            cwd=str(cwd),
            execution_timeout=cell_timeout,
            # ipykernel 7 logs a "running over TCP without encryption" warning to our stderr for
            # every kernel; cell warnings still reach the notebook (its stderr outputs).
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except BaseException as exc:
        _keep_executed(Path(tmp), output_ipynb, exc)  # the failed notebook, error cell marked
        raise
    else:
        _keep_executed(Path(tmp), output_ipynb, None)
    finally:
        if batch_before is None:
            os.environ.pop(BATCH_ENV, None)
        else:
            os.environ[BATCH_ENV] = batch_before
    return output_ipynb


def _keep_executed(tmp: Path, output_ipynb: Path, error: BaseException | None) -> None:
    """Rename papermill's running copy ``tmp`` over ``output_ipynb`` if it is a whole notebook.

    A copy that is not a whole notebook (a write cut short by a full disk) is removed and the
    final name keeps what it had; papermill failing before it wrote anything (no such kernel)
    is its own error, re-raised by the caller.

    Raises
    ------
    NotebookWriteError
        The copy is not a whole notebook (chained to ``error``, the write's own error).
    """
    size = tmp.stat().st_size if tmp.exists() else 0
    try:
        if size and _is_notebook(tmp):
            try:
                os.chmod(tmp, 0o644)  # mkstemp makes 0600
                os.replace(tmp, output_ipynb)
            except OSError as exc:
                raise NotebookWriteError(
                    f"{output_ipynb}: the executed notebook could not be moved into place "
                    f"({error_message(exc)}); check that the folder is writable"
                ) from exc
            return
    finally:
        tmp.unlink(missing_ok=True)
    if size == 0 and error is not None:
        return  # nothing written: the caller re-raises papermill's error
    reason = error_message(error) if error is not None else "papermill wrote an incomplete notebook"
    raise NotebookWriteError(
        f"{output_ipynb}: the executed notebook could not be written whole ({reason}); nothing "
        "was kept under that name (the file from an earlier run, if any, is unchanged). Free "
        "disk space or choose another --out, then re-run with --resume."
    ) from error


def _file_id(path: Path) -> tuple[int, int] | None:
    """``(inode, modification time)`` of ``path``, or ``None``: a rename over it changes both."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def _is_notebook(path: Path) -> bool:
    """Whether ``path`` holds a whole notebook (JSON with its ``cells``), not a cut-short write."""
    try:
        with path.open(encoding="utf-8") as f:
            nb = json.load(f)
    except (ValueError, OSError):  # ValueError: truncated JSON or bytes cut mid-character
        return False
    return isinstance(nb, dict) and isinstance(nb.get("cells"), list)


def deck_title(task: ReportTask) -> str:
    """The partner deck's page title: the partner's name, the review and the quarter.

    Examples
    --------
    >>> deck_title(ReportTask("partners/P1", "FY2026-Q4", "06.ipynb", "p/P1.ipynb", "p/P1.html",
    ...                       "t", partner_id="P1", partner_name="Acme"))
    'Acme — quarterly business review, FY2026-Q4'
    """
    return f"{task.partner_name or task.partner_id} — quarterly business review, {task.quarter}"


def brief_title(task: ReportTask) -> str:
    """The internal brief's page title (``Internal brief: <task title>``)."""
    return f"Internal brief: {task.title}"


def _deck_workbook(ipynb: Path, xlsx: Path, title: str) -> str | None:
    """The deck's own Excel workbook (its tables only) at ``xlsx``; ``None`` without a table."""
    from channel_lib.presentation.export import write_selected
    from channel_lib.presentation.spreadsheet import write_workbook

    with tempfile.TemporaryDirectory(prefix="channel-deck-") as folder:
        deck = write_selected(ipynb, Path(folder) / ipynb.name, "deck")
        return str(xlsx) if write_workbook(deck, xlsx, title=title) is not None else None


def execute_task(task: ReportTask) -> dict[str, Any]:
    """Run one report: execute the notebook, write its tables to ``<report>.xlsx`` (beside the
    page), then export its offline HTML page, which links the workbook when one was written.

    Parameters
    ----------
    task : ReportTask

    Returns
    -------
    dict
        ``key``, ``status`` (``"ok"`` or ``"failed"``), ``seconds``, ``export_seconds``,
        ``error`` (one line or ``None``), ``ipynb``, ``html`` (a partner pack's deck), ``brief``
        (its internal brief) and ``xlsx`` (paths, ``None`` when not written), ``worker`` (host
        and process id).

    Notes
    -----
    Never raises for a failing notebook: the failure is the record's status and message, and the
    executed notebook (error cell marked by papermill) is kept. A notebook or page that could not
    be written whole (a full disk) is a failure too, with the write's error as its message; what
    was under its final name before is left as it was and not listed in the record. The executed
    notebook keeps every output but the vega bundle
    (:func:`channel_lib.presentation.export.strip_bundle_outputs`: ~0.9 MB less), which its page
    inlines once. The Excel workbook (:func:`channel_lib.presentation.spreadsheet.write_workbook`)
    is written only for a notebook that ran to the end and displayed at least one table; a
    workbook that cannot be written fails the report with its error. A partner pack with a deck
    exports two pages from the one execution (see the module's notes): the brief (linking the
    workbook, both in ``briefs/``) and the deck (no workbook link).
    """
    record: dict[str, Any] = {
        "key": task.key,
        "status": "ok",
        "seconds": 0.0,
        "export_seconds": 0.0,
        "error": None,
        "ipynb": None,
        "html": None,
        "xlsx": None,
        "brief": None,
        "worker": f"{os.uname().nodename}:{os.getpid()}",
    }
    os.environ.update(task.env)
    ipynb = Path(task.ipynb)
    before = _file_id(ipynb)
    t0 = time.perf_counter()
    try:
        run_notebook(
            task.notebook, task.ipynb, task.parameters, cwd=task.cwd,
            cell_timeout=task.cell_timeout, engine=task.engine,
        )  # fmt: skip
    except Exception as exc:  # recorded; the batch goes on
        record["status"], record["error"] = "failed", error_message(exc)
    record["seconds"] = round(time.perf_counter() - t0, 2)
    # only a notebook this run wrote is exported: a file left by an earlier run (this run could
    # not write its own, e.g. on a full disk) would give a page of the old run
    if ipynb.exists() and _file_id(ipynb) != before:
        record["ipynb"] = str(ipynb)
        t1 = time.perf_counter()
        _export(task, ipynb, record)
        record["export_seconds"] = round(time.perf_counter() - t1, 2)
    return record


def _fail(record: dict[str, Any], what: str, exc: BaseException) -> None:
    """Mark ``record`` failed, adding ``what: <error>`` to what it says already."""
    record["status"] = "failed"
    prefix = record["error"] + "; " if record["error"] else ""
    record["error"] = f"{prefix}{what}: {error_message(exc)}"


def _export(task: ReportTask, ipynb: Path, record: dict[str, Any]) -> None:
    """:func:`execute_task` after the run: strip the chart library from the kept notebook, write
    the Excel workbook(s), export the page(s); each failure is added to ``record``."""
    # deferred: altair, pandas and nbconvert; papermill's entry point imports this module's package
    from channel_lib.presentation.export import has_deck, strip_bundle_outputs
    from channel_lib.presentation.html import export_html
    from channel_lib.presentation.spreadsheet import write_workbook

    try:  # the chart library stays out of the kept notebook; its HTML page inlines it
        strip_bundle_outputs(ipynb)
    except Exception as exc:
        _fail(record, "executed notebook", exc)
    # a pack with a deck: the brief always (a failed run's audit trail is internal), the deck
    # only when the notebook ran to the end
    deck = bool(task.brief) and has_deck(ipynb)
    xlsx = Path(task.html).with_suffix(".xlsx")
    brief_xlsx = Path(task.brief).with_suffix(".xlsx") if deck else None
    if record["status"] == "ok":
        try:
            if deck:  # the brief's workbook: every table; the deck's: the deck's tables only
                brief_xlsx = write_workbook(ipynb, brief_xlsx, title=brief_title(task))
                record["xlsx"] = _deck_workbook(ipynb, xlsx, deck_title(task))
            elif write_workbook(ipynb, xlsx, title=task.title) is not None:
                record["xlsx"] = str(xlsx)
        except Exception as exc:
            record["status"] = "failed"
            record["error"] = f"Excel workbook: {error_message(exc)}"
    excel = xlsx.name if record["xlsx"] else None
    pages = [("html", task.html, task.title, "all", excel)]
    if deck:
        brief_excel = Path(brief_xlsx).name if brief_xlsx and record["status"] == "ok" else None
        pages = [("brief", task.brief, brief_title(task), "brief", brief_excel)]
        if record["status"] == "ok":
            pages.append(("html", task.html, deck_title(task), "deck", excel))
    for key, path, title, cells, link in pages:
        try:
            export_html(ipynb, path, title=title, excel=link, cells=cells)
            record[key] = str(path)
        except Exception as exc:
            _fail(
                record, "HTML export" if key == "html" else "HTML export of the internal brief", exc
            )


__all__ = [
    "BRIEF_FOLDER",
    "DECK_FOLDER",
    "KERNEL_NAME",
    "NotebookWriteError",
    "ReportTask",
    "brief_paths",
    "brief_title",
    "deck_title",
    "error_message",
    "execute_task",
    "run_notebook",
]
