"""Papermill batch runs, HTML export and the report index.

``channel-workbook report`` runs, for each quarter asked for, every company-level numbered
notebook (``notebooks/[0-9][0-9]_*.ipynb``) once and every partner-level notebook (one whose
``parameters`` cell declares ``partner_id``) once per selected partner, and writes under
``<out>/<quarter>/``:

- ``<name>.ipynb`` — the executed notebook, the audit trail (kept when it fails, error cell marked);
- ``<name>.html`` — the self-contained offline report (:func:`channel_lib.presentation.html.export_html`);
- ``partners/<partner_id>.ipynb`` and ``.html`` — the partner packs;
- ``index.html`` — headline KPIs, and links to every report with its status, time and error;
- ``manifest.json`` — parameters, input checksums, package versions, timings, status, errors.

How it runs
-----------
The dataset is loaded and validated once (bad data stops the batch before any notebook starts)
and cached as Parquet under ``<out>/.prepared/<key>/`` (:mod:`channel_lib.data.prepared`); notebooks
read that cache through ``open_workbook``. Reports run concurrently on a
:class:`concurrent.futures.Executor` — a local process pool or a Dask cluster
(:mod:`channel_lib.batch.executors`) — on pre-warmed kernels unless fresh kernels are asked for, with one
progress bar over the whole batch on stderr.

Every file is written atomically (temporary name, then rename). ``manifest.json`` and
``index.html`` are rewritten after each finished report: a report not yet finished is listed as
``pending``, so a batch killed at any moment leaves no entry that looks complete, and
``--resume`` runs only what is pending, failed or missing. A failing notebook does not stop the
others; the command then exits with status 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from channel_lib.core import config
from channel_lib.core.errors import ParameterError
from channel_lib.core.files import atomic_write_text

#: The project root (notebooks resolve their paths from it; papermill runs kernels here).
PROJECT_ROOT = config.PROJECT_ROOT
NOTEBOOKS = config.NOTEBOOKS_DIR
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
KERNEL_NAME = "python3"

#: Packages whose versions go into the manifest.
VERSIONED_PACKAGES = (
    "channel-workbook", "pandas", "duckdb", "altair", "vl-convert-python", "papermill",
    "nbconvert", "nbclient", "jupyter_client", "ipykernel", "statsmodels", "pyarrow",
)  # fmt: skip
#: Sub-folder of a quarter's folder holding the partner packs.
PARTNERS_FOLDER = "partners"
#: Default partner selection of ``channel-workbook report``.
DEFAULT_PARTNERS = "flagged+top:10"


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
    html: str | None = None
    key: str = ""  # the notebook name, or partners/<partner_id> for a partner pack
    partner_id: str | None = None
    partner_name: str | None = None
    worker: str | None = None

    def __post_init__(self) -> None:
        self.key = self.key or self.name


def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell, as papermill reads them.

    The cell is parsed with :mod:`ast` (the notebook-shape test holds every parameters cell to
    typed declarations, and checks papermill's own parser reads the same names), so planning a
    batch does not import papermill in the main process (~1.5 s before any worker can start).

    Returns
    -------
    dict
        Parameter name → ``{"name", "inferred_type_name", "default", "help"}``, in cell order;
        empty when the notebook has no cell tagged ``parameters``.

    Examples
    --------
    >>> sorted(notebook_parameters(NOTEBOOKS / "00_quarter_overview.ipynb"))
    ['data_dir', 'plans_dir', 'quarter']
    """
    import ast

    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    lines = source.splitlines()
    out: dict[str, dict[str, Any]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation = node.target.id, ast.unparse(node.annotation)
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name, annotation = node.targets[0].id, "None"
        else:
            continue
        line = lines[node.end_lineno - 1]
        comment = line[node.end_col_offset :].strip()
        out[name] = {
            "name": name,
            "inferred_type_name": annotation.strip("'\""),
            "default": None if node.value is None else ast.get_source_segment(source, node.value),
            "help": comment[1:].strip() if comment.startswith("#") else "",
        }
    return out


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
        ``"channel_warm"`` (this process's pre-warmed kernels, :mod:`channel_lib.batch.executors`).

    Returns
    -------
    Path
        ``output_ipynb``.

    Raises
    ------
    papermill.PapermillExecutionError
        When a cell raises; the executed notebook is written first.

    Notes
    -----
    The kernel runs with ``CHANNEL_WORKBOOK_BATCH=1`` (:data:`channel_lib.interactive.explorers.BATCH_ENV`), so
    the notebooks' explore sections show a static table of their defaults instead of live widgets.
    """
    import papermill

    from channel_lib.interactive.explorers.core import BATCH_ENV

    if engine and engine != "nbclient":
        from channel_lib.batch.executors import register_engine

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
    finally:
        if batch_before is None:
            os.environ.pop(BATCH_ENV, None)
        else:
            os.environ[BATCH_ENV] = batch_before
        if Path(tmp).stat().st_size > 0:
            os.chmod(tmp, 0o644)  # mkstemp makes 0600
            os.replace(tmp, output_ipynb)
        else:  # papermill failed before writing anything (e.g. no such kernel)
            Path(tmp).unlink(missing_ok=True)
    return output_ipynb


def report_title(name: str, quarter: str) -> str:
    """Page title from a notebook name: ``00_quarter_overview`` → ``Quarter overview — FY2026-Q3``.

    Examples
    --------
    >>> report_title("01_orientation_alignment", "FY2026-Q3")
    'Orientation alignment — FY2026-Q3'
    """
    words = name.split("_", 1)[-1] if name[:2].isdigit() else name
    words = words.replace("_", " ").strip()
    return f"{words[:1].upper()}{words[1:]} — {quarter}"


def select_notebooks(
    names: str | Sequence[str] | None = None, *, folder: str | Path | None = None
) -> list[Path]:
    """The numbered notebooks to run, in order; ``names`` (comma list or sequence) filters them.

    Raises
    ------
    ParameterError
        When a requested name matches no notebook, or there is no notebook at all.
    """
    folder = Path(folder or NOTEBOOKS)
    found = sorted(folder.glob(NOTEBOOK_GLOB))
    if names:
        wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]
        wanted = [n.removesuffix(".ipynb") for n in wanted if n]
        by_name = {p.stem: p for p in found}
        unknown = [n for n in wanted if n not in by_name]
        if unknown:
            raise ParameterError(
                f"no notebook named {', '.join(unknown)} in {folder}; "
                f"choose from {', '.join(by_name) or '(none)'}"
            )
        found = [by_name[n] for n in wanted]
    if not found:
        raise ParameterError(f"no notebooks matching {NOTEBOOK_GLOB} in {folder}")
    return found


def resolve_quarters(ds, quarter: str) -> list[tuple[str, str]]:
    """Quarters to report, each with the sentence saying why it was chosen.

    ``quarter`` is a label (``FY2026-Q3``), a range (``FY2026-Q1..FY2026-Q4``) or ``"latest"`` (the
    latest complete quarter, chosen by ``channel_lib.data.workbook.choose_quarter``).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> resolve_quarters(load_dataset("tests/data/tiny"), "FY2026-Q2..FY2026-Q3")[1][0]
    'FY2026-Q3'
    """
    from channel_lib.data.workbook import choose_quarter

    quarter = str(quarter).strip()
    if ".." in quarter:
        first, last = (q.strip() for q in quarter.split("..", 1))
        return [choose_quarter(ds, q) for q in ds.calendar.quarter_range(first, last)]
    return [choose_quarter(ds, quarter)]


def package_versions() -> dict[str, str]:
    """Versions of Python and the main packages, for the manifest."""
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


# -- partners ---------------------------------------------------------------------------------------
def _flagged_partners(ds, quarter: str, plans_dir: str | Path | None = None) -> list[str]:
    """Partners with signals in the quarter, then partners with an action still open from the
    quarter before (their pack reviews it: the action-plan cycle needs it every quarter)."""
    from channel_lib.analysis.signals import flagged_partners

    found = [str(p) for p in flagged_partners(ds, quarter)]
    if plans_dir is not None:
        from channel_lib.analysis.partner_review import open_action_partners

        found += open_action_partners(plans_dir, ds.calendar.shift_quarter(quarter, -1))
    return list(dict.fromkeys(found))


def select_partners(
    ds, quarter: str, spec: str | None, *, plans_dir: str | Path | None = None
) -> list[str]:
    """The partner ids a partner-level notebook runs for, in a stable order.

    Parameters
    ----------
    ds : Dataset
    quarter : str
        The reporting quarter (``top:N`` ranks by revenue in it).
    spec : str
        ``all``, ``none``, ``flagged`` (partners with signals, and with ``plans_dir`` also
        partners with an action open from the quarter before), ``top:N`` (by revenue in the
        quarter, ties by id), ``tier:NAME`` (case-insensitive), a comma list of ids, or
        several of these joined with ``+`` (union, first appearance first).

    plans_dir : str or Path, optional
        The plans folder whose action log ``flagged`` also reads.

    Returns
    -------
    list of str

    Raises
    ------
    ParameterError
        For an unknown keyword, a bad ``top:N`` or an id that is not in ``partners.csv``.

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> ds = load_dataset("tests/data/tiny")
    >>> select_partners(ds, "FY2026-Q3", "tier:gold+P3,P2")
    ['P1', 'P3', 'P2']
    >>> select_partners(ds, "FY2026-Q3", "none")
    []
    """
    spec = (spec or "none").strip()
    partners = ds.table("partners") if ds.has("partners") else None
    known = [] if partners is None else [str(p) for p in partners["partner_id"]]
    chosen: dict[str, None] = {}
    for part in (p.strip() for p in spec.split("+")):
        low = part.lower()
        if low in ("", "none"):
            continue
        if low == "all":
            chosen.update(dict.fromkeys(sorted(known)))
        elif low == "flagged":
            chosen.update(dict.fromkeys(_flagged_partners(ds, quarter, plans_dir)))
        elif low.startswith("top:"):
            n_text = part.split(":", 1)[1]
            if not n_text.isdigit():
                raise ParameterError(f"--partners {part!r}: top needs a whole number, e.g. top:50")
            from channel_lib.data.cube import summarise

            rev = summarise(ds, by="partner_id", period="quarter", periods=[quarter])
            rev = rev[rev["partner_id"].notna()].sort_values(
                ["revenue_cents", "partner_id"], ascending=[False, True]
            )
            chosen.update(dict.fromkeys(str(p) for p in rev["partner_id"].head(int(n_text))))
        elif low.startswith("tier:"):
            tier = part.split(":", 1)[1].strip().lower()
            if partners is not None:
                match = partners["tier"].astype("string").str.lower() == tier
                chosen.update(
                    dict.fromkeys(
                        sorted(str(p) for p in partners.loc[match.fillna(False), "partner_id"])
                    )
                )
        else:
            ids = [i.strip() for i in part.split(",") if i.strip()]
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise ParameterError(
                    f"--partners names partners that are not in partners.csv: "
                    f"{', '.join(unknown)}; use ids from partners.csv, or all, none, flagged, "
                    "top:N, tier:NAME joined with +"
                )
            chosen.update(dict.fromkeys(ids))
    return list(chosen)


def _safe_name(partner_id: str) -> str:
    """A file name for a partner id (ids with other characters get a hash suffix).

    Examples
    --------
    >>> _safe_name("P-001"), _safe_name("../x")[:5]
    ('P-001', '.._x-')
    """
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}", partner_id):
        return partner_id
    digest = hashlib.sha1(partner_id.encode()).hexdigest()[:8]
    return re.sub(r"[^A-Za-z0-9._-]", "_", partner_id)[:60] + "-" + digest


# -- planning ---------------------------------------------------------------------------------------
@dataclass
class _Quarter:
    label: str
    reason: str
    folder: Path
    tasks: list = field(default_factory=list)  # list[ReportTask]
    runs: dict[str, NotebookRun] = field(default_factory=dict)  # key -> run, in plan order
    started: str = ""
    partners: list[str] = field(default_factory=list)


def _plan_quarter(
    ds, label: str, reason: str, notebooks: Sequence[tuple[Path, dict]], out_dir: Path, *,
    values: dict[str, str], partners_spec: str | None, engine: str, env: dict[str, str],
    cell_timeout: float | None,
) -> _Quarter:  # fmt: skip
    from channel_lib.batch.executors import ReportTask

    folder = out_dir / label
    q = _Quarter(label, reason, folder, started=datetime.now(UTC).isoformat(timespec="seconds"))
    partner_nbs = [(p, d) for p, d in notebooks if "partner_id" in d]
    names: dict[str, str] = {}
    if partner_nbs:
        q.partners = select_partners(ds, label, partners_spec, plans_dir=values.get("plans_dir"))
        if q.partners:
            frame = ds.table("partners")
            names = dict(
                zip(frame["partner_id"].astype(str), frame["partner_name"].astype(str), strict=True)
            )
    for nb_path, declared in notebooks:
        name = nb_path.stem
        base = {k: v for k, v in values.items() if k in declared}
        base["quarter"] = label if "quarter" in declared else None
        base = {k: v for k, v in base.items() if v is not None}
        if "partner_id" not in declared:
            q.tasks.append(ReportTask(
                key=name, quarter=label, notebook=str(nb_path),
                ipynb=str(folder / f"{name}.ipynb"), html=str(folder / f"{name}.html"),
                title=report_title(name, label), parameters=base, cwd=str(PROJECT_ROOT),
                env=env, engine=engine, cell_timeout=cell_timeout,
            ))  # fmt: skip
            continue
        sub = folder / PARTNERS_FOLDER
        if len(partner_nbs) > 1:
            sub = sub / name
        for pid in q.partners:
            key = "/".join([PARTNERS_FOLDER, *([name] if len(partner_nbs) > 1 else []), pid])
            stem = _safe_name(pid)
            partner_name = names.get(pid, pid)
            q.tasks.append(ReportTask(
                key=key, quarter=label, notebook=str(nb_path),
                ipynb=str(sub / f"{stem}.ipynb"), html=str(sub / f"{stem}.html"),
                title=f"{partner_name} ({pid}) — {report_title(name, label)}",
                parameters={**base, "partner_id": pid}, cwd=str(PROJECT_ROOT), env=env,
                engine=engine, cell_timeout=cell_timeout, partner_id=pid, partner_name=partner_name,
            ))  # fmt: skip
    return q


def _previous_runs(folder: Path, checksums: dict[str, str]) -> dict[str, dict]:
    """Entries of the last manifest of ``folder`` that are complete for the same inputs."""
    path = folder / "manifest.json"
    if not path.exists():
        return {}
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    if old.get("inputs") != checksums:
        return {}
    return {r.get("key") or r["name"]: r for r in old.get("notebooks", [])}


def _remove_stale_temp_files(folder: Path) -> None:
    """Temporary files of a killed run (hidden ``.<name>.*.tmp`` / ``.running.ipynb``)."""
    if not folder.exists():
        return
    for path in folder.rglob(".*"):
        if path.is_file() and (path.name.endswith(".tmp") or path.name.endswith(".running.ipynb")):
            path.unlink(missing_ok=True)


# -- index and manifest -----------------------------------------------------------------------------
def _kpi_table(ds, q: _Quarter, plans_dir: Path) -> str:
    from channel_lib.presentation.html import escape, table

    try:
        from channel_lib.analysis.overview import format_kpis, headline_kpis
        from channel_lib.data.workbook import Workbook

        wb = Workbook(dataset=ds, quarter=q.label, quarter_reason=q.reason, plans_dir=plans_dir)
        return table(format_kpis(headline_kpis(wb), wb), caption="Headline KPIs").data
    except Exception as exc:  # the index still lists the reports
        from channel_lib.batch.executors import error_message

        return f"<p>Headline KPIs are not available: {escape(error_message(exc))}</p>"


def _index_html(q: _Quarter, kpis: str) -> str:
    from channel_lib.presentation.html import escape

    def link(path: str | None, text: str) -> str:
        if not path:
            return escape(text)
        rel = Path(os.path.relpath(path, q.folder)).as_posix()
        return f'<a href="{escape(rel)}">{escape(text)}</a>'

    def row(r: NotebookRun, label: str) -> str:
        time_cell = f"{r.seconds:.1f} s" if r.status in ("ok", "failed", "skipped") else ""
        return (
            f'<tr class="{escape(r.status)}"><td>{link(r.html, label)}</td>'
            f'<td class="status">{escape(r.status)}</td><td>{time_cell}</td>'
            f"<td>{link(r.ipynb, 'notebook') if r.ipynb else ''}</td>"
            f"<td>{escape(r.error or '')}</td></tr>"
        )

    runs = list(q.runs.values())
    company = [row(r, r.name) for r in runs if r.partner_id is None]
    packs = [
        row(r, f"{r.partner_name or r.partner_id} ({r.partner_id})")
        for r in runs
        if r.partner_id is not None
    ]
    n_failed = sum(r.status == "failed" for r in runs)
    n_pending = sum(r.status == "pending" for r in runs)
    if n_pending:
        summary = f"batch running or interrupted: {n_pending} of {len(runs)} reports not finished"
    elif n_failed:
        summary = f"{n_failed} of {len(runs)} reports failed"
    else:
        summary = "all reports ran"
    head = "<tr><th>{}</th><th>status</th><th>time</th><th>audit trail</th><th>error</th></tr>"
    partner_section = ""
    if packs:
        partner_section = (
            f"<h2>Partner packs</h2>\n<table><thead>{head.format('partner')}</thead><tbody>\n"
            + "\n".join(packs)
            + "\n</tbody></table>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Channel reports — {escape(q.label)}</title>
<style>
body {{ font-family: Segoe UI, Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2rem auto; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
td, th {{ text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
tr.failed .status {{ color: #b00020; font-weight: 600; }}
tr.pending .status {{ color: #8a6d00; }}
tr.ok .status, tr.skipped .status {{ color: #1b7f3b; }}
</style></head><body>
<h1>Channel reports — {escape(q.label)}</h1>
<p>{escape(q.reason)}</p>
<p>{escape(summary)}; run started {escape(q.started)}. Details in <a href="manifest.json">manifest.json</a>.</p>
{kpis}
<h2>Reports</h2>
<table><thead>{head.format("report")}</thead><tbody>
{chr(10).join(company)}
</tbody></table>
{partner_section}
</body></html>
"""


def _write_quarter(q: _Quarter, *, common: dict[str, Any], kpis: str, finished: bool) -> None:
    runs = list(q.runs.values())
    if not finished:
        status = "running"
    else:
        status = "failed" if any(r.status in ("failed", "pending") for r in runs) else "ok"
    manifest = {
        "quarter": q.label,
        "quarter_reason": q.reason,
        "started": q.started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds") if finished else None,
        "status": status,
        **common,
        "partners_selected": q.partners,
        "notebooks": [asdict(r) for r in runs],
    }
    atomic_write_text(
        q.folder / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n"
    )
    atomic_write_text(q.folder / "index.html", _index_html(q, kpis))


def _progress(total: int):
    from tqdm import tqdm  # plain tqdm: tqdm.auto would be a widget inside a kernel

    # disable=None: a bar on a terminal; in a CI log or a file only the one line per report
    return tqdm(
        total=total,
        desc="reports",
        unit="report",
        file=sys.stderr,
        dynamic_ncols=True,
        disable=None,
    )


# -- the batch ----------------------------------------------------------------------------------------
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
) -> list[NotebookRun]:
    """Run the notebooks for one or more quarters in parallel; see the module docstring.

    Parameters
    ----------
    data_dir : str or Path
        Dataset folder (validated here first: a broken dataset fails before any notebook runs).
    quarter : str
        ``"latest"``, ``"FY2026-Q3"`` or a range ``"FY2026-Q1..FY2026-Q4"``.
    out_dir : str or Path
        Reports go to ``out_dir/<quarter>/``; the prepared data to ``out_dir/.prepared/``.
    plans_dir : str or Path
        The plans folder passed to notebooks that declare ``plans_dir``.
    notebooks : str or sequence of str, optional
        Names to run (comma list or sequence, with or without ``.ipynb``); default all.
    notebooks_dir : str or Path
        Folder of the notebooks (default: :data:`NOTEBOOKS`, the project's ``notebooks/``).
    resume : bool
        Run only what is pending, failed or missing since the last run on the same inputs.
    partners : str
        Partner selection for partner-level notebooks (:func:`select_partners`).
    workers : int, optional
        Parallel worker processes (default: the number of cores).
    scheduler : str, optional
        Dask scheduler address; the reports run on that cluster instead of local processes.
    fresh_kernels : bool
        A fresh kernel per notebook (papermill's own engine) instead of the warm pool.
    executor : concurrent.futures.Executor, optional
        Run on this executor (e.g. ``distributed.Client.get_executor()``); it is not shut down.
    cell_timeout : float or None
        Seconds one cell may run.

    Returns
    -------
    list of NotebookRun
        One per report and quarter, in plan order, with status ``"ok"``, ``"failed"`` or
        ``"skipped"``.

    Raises
    ------
    DataValidationError, ParameterError
        Bad dataset, quarter, notebook names or partner selection (before anything runs).
    """
    from channel_lib.batch.executors import FRESH_ENGINE, WARM_ENGINE, execute_task, make_executor
    from channel_lib.data.loader import load_dataset
    from channel_lib.data.prepared import PREPARED_ENV, prepare_dataset

    ds = load_dataset(data_dir)
    quarters = resolve_quarters(ds, quarter)
    selected = select_notebooks(notebooks, folder=Path(notebooks_dir or NOTEBOOKS))
    declared = [(p, notebook_parameters(p)) for p in selected]
    out_dir = Path(out_dir).resolve()
    plans = Path(plans_dir).resolve()
    prepared = prepare_dataset(ds, out_dir / ".prepared")
    engine = FRESH_ENGINE if fresh_kernels else WARM_ENGINE
    values = {"data_dir": str(Path(ds.folder).resolve()), "plans_dir": str(plans)}
    env = {PREPARED_ENV: str(prepared)}
    common = {
        "parameters": values,
        "data_dir": values["data_dir"],
        "inputs": ds.checksums,
        "prepared": str(prepared),
        "versions": package_versions(),
        "batch": {
            "engine": engine, "workers": workers or os.cpu_count(), "scheduler": scheduler,
            "partners": partners, "resume": resume,
        },
    }  # fmt: skip

    plan: list[_Quarter] = []
    todo = []
    for label, reason in quarters:
        print(f"{label}: {reason}", file=sys.stderr)
        q = _plan_quarter(
            ds, label, reason, declared, out_dir, values=values, partners_spec=partners,
            engine=engine, env=env, cell_timeout=cell_timeout,
        )  # fmt: skip
        _remove_stale_temp_files(q.folder)
        previous = _previous_runs(q.folder, ds.checksums) if resume else {}
        for task in q.tasks:
            name = Path(task.notebook).stem
            old = previous.get(task.key)
            done = (
                old is not None
                and old.get("status") in ("ok", "skipped")
                and old.get("parameters") == task.parameters
                and Path(task.ipynb).exists()
                and Path(task.html).exists()
            )
            run = NotebookRun(
                name=name, quarter=label, status="skipped" if done else "pending",
                parameters=task.parameters, key=task.key, partner_id=task.partner_id,
                partner_name=task.partner_name,
            )  # fmt: skip
            if done:
                run.seconds = old.get("seconds", 0.0)
                run.export_seconds = old.get("export_seconds", 0.0)
                run.ipynb, run.html = task.ipynb, task.html
            else:
                todo.append((q, task))
            q.runs[task.key] = run
        plan.append(q)

    kpis = {q.label: _kpi_table(ds, q, plans) for q in plan}
    for q in plan:
        q.folder.mkdir(parents=True, exist_ok=True)
        _write_quarter(q, common=common, kpis=kpis[q.label], finished=False)
    n_skipped = sum(len(q.runs) for q in plan) - len(todo)
    if n_skipped:
        print(f"resume: {n_skipped} reports were ok in the last run; skipped", file=sys.stderr)

    from contextlib import nullcontext

    owned = (
        nullcontext(executor)
        if executor is not None
        # no more worker processes (and warm kernels) than reports to run
        else make_executor(
            min(workers or os.cpu_count() or 1, max(len(todo), 1)),
            scheduler=scheduler,
            warm=not fresh_kernels,
        )
    )
    last_write: dict[str, float] = {}
    if todo:
        with owned as pool, _progress(len(todo)) as bar:
            futures = {pool.submit(execute_task, task): (q, task) for q, task in todo}
            for i, future in enumerate(as_completed(futures), 1):
                q, task = futures[future]
                run = q.runs[task.key]
                try:
                    record = future.result()
                except Exception as exc:  # the worker died or the executor failed
                    from channel_lib.batch.executors import error_message

                    record = {"status": "failed", "error": f"worker: {error_message(exc)}"}
                for attr in (
                    "status",
                    "seconds",
                    "export_seconds",
                    "error",
                    "ipynb",
                    "html",
                    "worker",
                ):
                    if attr in record:
                        setattr(run, attr, record[attr])
                # the index and manifest are rewritten whole: at most twice a second while it
                # runs (a failure at once), or 100 reports cost the main process O(n²) writes;
                # a report done but not yet listed is only re-run by --resume, never lost
                if run.status != "ok" or time.monotonic() - last_write.get(q.label, 0.0) > 0.5:
                    _write_quarter(q, common=common, kpis=kpis[q.label], finished=False)
                    last_write[q.label] = time.monotonic()
                bar.update(1)
                tail = f" — {run.error}" if run.error else ""
                bar.write(
                    f"[{i}/{len(todo)}] {q.label} {task.key}: {run.status} in {run.seconds:.1f} s "
                    f"(+{run.export_seconds:.2f} s HTML){tail}",
                    file=sys.stderr,
                )
    runs: list[NotebookRun] = []
    for q in plan:
        _write_quarter(q, common=common, kpis=kpis[q.label], finished=True)
        print(f"index: {q.folder / 'index.html'}", file=sys.stderr)
        runs += q.runs.values()
    return runs


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

    Uses ``args.data``, ``args.plans``, ``args.quarter``, ``args.out``, ``args.notebooks``,
    ``args.notebooks_dir``, ``args.partners``, ``args.workers``, ``args.scheduler``, ``args.fresh_kernels`` and
    ``args.resume``.
    """
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("always", UserWarning)
        warnings.showwarning = _show_warning
        runs = run_batch(
            args.data, args.quarter, out_dir=args.out, plans_dir=args.plans,
            notebooks=getattr(args, "notebooks", None),
            notebooks_dir=getattr(args, "notebooks_dir", None), resume=bool(getattr(args, "resume", False)),
            partners=getattr(args, "partners", DEFAULT_PARTNERS),
            workers=getattr(args, "workers", None), scheduler=getattr(args, "scheduler", None),
            fresh_kernels=bool(getattr(args, "fresh_kernels", False)),
        )  # fmt: skip
    failed = [r for r in runs if r.status == "failed"]
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
    return 1 if failed else 0


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"warning: {message}", file=sys.stderr)


__all__ = [
    "DEFAULT_PARTNERS",
    "NotebookRun",
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
