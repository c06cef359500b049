"""Papermill batch runs, HTML export and the report index.

``channel-workbook report`` runs every numbered notebook (``notebooks/[0-9][0-9]_*.ipynb``) for a
quarter and writes, under ``<out>/<quarter>/``:

- ``<name>.ipynb`` — the executed notebook, the audit trail (kept when it fails, error cell marked);
- ``<name>.html`` — the self-contained offline report (:func:`channel_lib.html.export_html`);
- ``index.html`` — links to every report with its status, time and error message;
- ``manifest.json`` — parameters, input checksums, package versions, timings, status, errors.

A failing notebook does not stop the others; the command then exits with status 1.
This first version runs notebooks one after the other (``--workers`` and ``--partners`` are not
used yet).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import ParameterError

#: The project root (notebooks resolve their paths from it; papermill runs kernels here).
PROJECT_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = PROJECT_ROOT / "notebooks"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
KERNEL_NAME = "python3"

#: Packages whose versions go into the manifest.
VERSIONED_PACKAGES = (
    "channel-workbook", "pandas", "duckdb", "altair", "vl-convert-python", "papermill",
    "nbconvert", "ipykernel", "statsmodels", "pyarrow",
)  # fmt: skip


@dataclass
class NotebookRun:
    """Outcome of one notebook in a batch (one entry of ``manifest.json``)."""

    name: str
    quarter: str
    status: str  # "ok", "failed" or "skipped" (resume: already ok)
    parameters: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    export_seconds: float = 0.0
    error: str | None = None
    ipynb: str | None = None
    html: str | None = None


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def notebook_parameters(notebook: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares (papermill's reading of its ``parameters`` cell).

    Returns
    -------
    dict
        Parameter name → ``{"name", "inferred_type_name", "default", "help"}``.
    """
    import papermill

    return dict(papermill.inspect_notebook(str(notebook)))


def run_notebook(
    notebook: str | Path,
    output_ipynb: str | Path,
    parameters: Mapping[str, Any],
    *,
    cwd: str | Path = PROJECT_ROOT,
    kernel_name: str = KERNEL_NAME,
    cell_timeout: float | None = 1800,
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

    Returns
    -------
    Path
        ``output_ipynb``.

    Raises
    ------
    papermill.PapermillExecutionError
        When a cell raises; the executed notebook is written first.
    """
    import papermill

    output_ipynb = Path(output_ipynb)
    output_ipynb.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{output_ipynb.stem}.", suffix=".running.ipynb", dir=output_ipynb.parent
    )
    os.close(fd)
    try:
        papermill.execute_notebook(
            str(notebook),
            tmp,
            parameters=dict(parameters),
            kernel_name=kernel_name,
            progress_bar=False,
            cwd=str(cwd),
            execution_timeout=cell_timeout,
            # ipykernel 7 logs a "running over TCP without encryption" warning to our stderr for
            # every kernel; cell warnings still reach the notebook (its stderr outputs).
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    finally:
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


def _error_message(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:  # PapermillExecutionError: the cell's exception
        evalue = str(getattr(exc, "evalue", "")).strip()
        return f"{ename}: {evalue}" if evalue else ename
    return f"{type(exc).__name__}: {exc}".strip()


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
    latest complete quarter, chosen by ``channel_lib.workbook.choose_quarter``).

    Examples
    --------
    >>> from channel_lib import load_dataset
    >>> resolve_quarters(load_dataset("tests/data/tiny"), "FY2026-Q2..FY2026-Q3")[1][0]
    'FY2026-Q3'
    """
    from .workbook import choose_quarter

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


def _index_html(quarter: str, reason: str, runs: Sequence[NotebookRun], started: str) -> str:
    from .html import escape

    rows = []
    for r in runs:
        link = (
            f'<a href="{escape(Path(r.html).name)}">{escape(r.name)}</a>'
            if r.html
            else escape(r.name)
        )
        audit = f'<a href="{escape(Path(r.ipynb).name)}">notebook</a>' if r.ipynb else ""
        rows.append(
            f'<tr class="{escape(r.status)}"><td>{link}</td><td class="status">{escape(r.status)}</td>'
            f"<td>{r.seconds:.1f} s</td><td>{audit}</td><td>{escape(r.error or '')}</td></tr>"
        )
    n_failed = sum(r.status == "failed" for r in runs)
    summary = "all reports ran" if not n_failed else f"{n_failed} of {len(runs)} reports failed"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Channel reports — {escape(quarter)}</title>
<style>
body {{ font-family: Segoe UI, Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2rem auto; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
tr.failed .status {{ color: #b00020; font-weight: 600; }}
tr.ok .status {{ color: #1b7f3b; }}
</style></head><body>
<h1>Channel reports — {escape(quarter)}</h1>
<p>{escape(reason)}</p>
<p>{escape(summary)}; run started {escape(started)}. Details in <a href="manifest.json">manifest.json</a>.</p>
<table><thead><tr><th>report</th><th>status</th><th>time</th><th>audit trail</th><th>error</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""


def run_quarter(
    ds,
    quarter: str,
    reason: str,
    notebooks: Sequence[Path],
    out_dir: Path,
    *,
    plans_dir: Path,
    resume: bool = False,
) -> list[NotebookRun]:
    """Run ``notebooks`` for one quarter into ``out_dir/<quarter>/``; write index and manifest."""
    folder = out_dir / quarter
    folder.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    previous: dict[str, dict] = {}
    manifest_path = folder / "manifest.json"
    if resume and manifest_path.exists():
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        if old.get("inputs") == ds.checksums:
            previous = {r["name"]: r for r in old.get("notebooks", [])}
    values = {
        "data_dir": str(Path(ds.folder).resolve()),
        "quarter": quarter,
        "plans_dir": str(plans_dir),
    }
    from .html import export_html

    runs: list[NotebookRun] = []
    for i, nb_path in enumerate(notebooks, 1):
        name = nb_path.stem
        ipynb, html = folder / f"{name}.ipynb", folder / f"{name}.html"
        old = previous.get(name)
        if old and old.get("status") in ("ok", "skipped") and ipynb.exists() and html.exists():
            run = NotebookRun(**{**old, "status": "skipped"})
            runs.append(run)
            print(
                f"[{i}/{len(notebooks)}] {quarter} {name}: skipped (ok in the last run)",
                file=sys.stderr,
            )
            continue
        declared = notebook_parameters(nb_path)
        params = {k: v for k, v in values.items() if k in declared}
        run = NotebookRun(name=name, quarter=quarter, status="ok", parameters=params)
        t0 = time.perf_counter()
        try:
            run_notebook(nb_path, ipynb, params)
        except Exception as exc:  # any failure is recorded; the batch goes on
            run.status, run.error = "failed", _error_message(exc)
        run.seconds = round(time.perf_counter() - t0, 2)
        if ipynb.exists():
            run.ipynb = str(ipynb)
            t1 = time.perf_counter()
            try:
                export_html(ipynb, html, title=report_title(name, quarter))
                run.html = str(html)
            except Exception as exc:
                run.status = "failed"
                run.error = (
                    (run.error + "; " if run.error else "") + "HTML export: " + _error_message(exc)
                )
            run.export_seconds = round(time.perf_counter() - t1, 2)
        runs.append(run)
        tail = f" — {run.error}" if run.error else ""
        print(
            f"[{i}/{len(notebooks)}] {quarter} {name}: {run.status} in {run.seconds:.1f} s "
            f"(+{run.export_seconds:.2f} s HTML){tail}",
            file=sys.stderr,
        )
    manifest = {
        "quarter": quarter,
        "quarter_reason": reason,
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "parameters": values,
        "data_dir": str(Path(ds.folder).resolve()),
        "inputs": ds.checksums,
        "versions": package_versions(),
        "status": "failed" if any(r.status == "failed" for r in runs) else "ok",
        "notebooks": [asdict(r) for r in runs],
    }
    _atomic_write_text(manifest_path, json.dumps(manifest, indent=2, default=str) + "\n")
    _atomic_write_text(folder / "index.html", _index_html(quarter, reason, runs, started))
    return runs


def run_batch(
    data_dir: str | Path,
    quarter: str = "latest",
    *,
    out_dir: str | Path = "reports",
    plans_dir: str | Path = "plans",
    notebooks: str | Sequence[str] | None = None,
    notebooks_dir: str | Path | None = None,
    resume: bool = False,
) -> list[NotebookRun]:
    """Run the numbered notebooks for one or more quarters; see the module docstring.

    Parameters
    ----------
    data_dir : str or Path
        Dataset folder (validated here first: a broken dataset fails before any notebook runs).
    quarter : str
        ``"latest"``, ``"FY2026-Q3"`` or a range ``"FY2026-Q1..FY2026-Q4"``.
    out_dir : str or Path
        Reports go to ``out_dir/<quarter>/``.
    plans_dir : str or Path
        The plans folder passed to notebooks that declare ``plans_dir``.
    notebooks : str or sequence of str, optional
        Names to run (comma list or sequence, with or without ``.ipynb``); default all.
    notebooks_dir : str or Path
        Folder of the notebooks (default: :data:`NOTEBOOKS`, the project's ``notebooks/``).
    resume : bool
        Skip notebooks that were ok in the last run on the same inputs.

    Returns
    -------
    list of NotebookRun
        One per notebook and quarter, with status ``"ok"``, ``"failed"`` or ``"skipped"``.

    Raises
    ------
    DataValidationError, ParameterError
        Bad dataset, quarter or notebook names (before anything runs).
    """
    from .data import load_dataset

    ds = load_dataset(data_dir)
    quarters = resolve_quarters(ds, quarter)
    selected = select_notebooks(notebooks, folder=Path(notebooks_dir or NOTEBOOKS))
    runs: list[NotebookRun] = []
    for label, reason in quarters:
        print(f"{label}: {reason}", file=sys.stderr)
        runs += run_quarter(
            ds, label, reason, selected, Path(out_dir),
            plans_dir=Path(plans_dir).resolve(), resume=resume,
        )  # fmt: skip
        print(f"index: {Path(out_dir) / label / 'index.html'}", file=sys.stderr)
    return runs


def run_batch_from_cli(args: argparse.Namespace) -> int:
    """``channel-workbook report``: run the notebooks, return the exit status (0 ok, 1 failures).

    Uses ``args.data``, ``args.plans``, ``args.quarter``, ``args.out``, ``args.notebooks`` and
    ``args.resume``; ``args.partners`` and ``args.workers`` are accepted and not used yet.
    """
    t0 = time.perf_counter()
    runs = run_batch(
        args.data, args.quarter, out_dir=args.out, plans_dir=args.plans,
        notebooks=getattr(args, "notebooks", None), resume=bool(getattr(args, "resume", False)),
    )  # fmt: skip
    failed = sum(r.status == "failed" for r in runs)
    print(
        f"done in {time.perf_counter() - t0:.1f} s: {len(runs)} reports, {failed} failed",
        file=sys.stderr,
    )
    return 1 if failed else 0


__all__ = [
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
]
