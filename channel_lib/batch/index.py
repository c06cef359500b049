"""A quarter's report index page (``index.html``) and manifest (``manifest.json``).

Both are rewritten whole, atomically, after each finished report (:func:`write_quarter`): a report
not yet finished is listed as ``pending``, so a batch killed at any moment leaves no entry that
looks complete. The index shows the headline KPIs (:func:`kpi_table`) and links every report
with its status, time and error; the manifest records the parameters, input checksums, package
versions, timings, status and errors.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from channel_lib.analysis.overview import headline_kpis
from channel_lib.batch.notebook import error_message
from channel_lib.batch.planning import BatchPlan
from channel_lib.batch.records import BatchParameters, NotebookRun, QuarterPlan
from channel_lib.core.errors import ChannelLibError
from channel_lib.core.files import atomic_write_text
from channel_lib.data.loader import Dataset
from channel_lib.data.workbook import Workbook
from channel_lib.presentation.html import escape, table
from channel_lib.presentation.pages.margins import growth_and_drivers_html
from channel_lib.presentation.pages.quarter_overview import kpi_table as kpi_display

#: Packages whose versions go into the manifest.
VERSIONED_PACKAGES = (
    "channel-workbook", "pandas", "duckdb", "altair", "vl-convert-python", "papermill",
    "nbconvert", "nbclient", "jupyter_client", "ipykernel", "statsmodels", "pyarrow",
)  # fmt: skip


def package_versions() -> dict[str, str]:
    """Versions of Python and the main packages, for the manifest."""
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def manifest_common(plan: BatchPlan, params: BatchParameters) -> dict[str, Any]:
    """The manifest fields every quarter of a batch shares, in the manifest's order."""
    return {
        "parameters": plan.values,
        "data_dir": plan.values["data_dir"],
        "inputs": plan.dataset.checksums,
        "prepared": str(plan.prepared),
        "versions": package_versions(),
        "batch": {
            "engine": params.engine, "workers": params.workers or os.cpu_count(),
            "scheduler": params.scheduler, "partners": params.partners, "resume": params.resume,
        },
    }  # fmt: skip


def kpi_table(ds: Dataset, q: QuarterPlan, plans_dir: Path) -> str:
    """The headline KPIs of the quarter as an HTML table, or a sentence saying why there are none.

    Never raises: the index still lists the reports when the KPIs cannot be computed.
    """
    try:
        wb = Workbook(dataset=ds, quarter=q.label, quarter_reason=q.reason, plans_dir=plans_dir)
        kpis = table(kpi_display(headline_kpis(wb), wb), caption="Headline KPIs").data
    except Exception as exc:  # the index still lists the reports
        return f"<p>Headline KPIs are not available: {escape(error_message(exc))}</p>"
    return kpis + "\n" + growth_lines(ds, q.label)


def growth_lines(ds: Dataset, quarter: str) -> str:
    """Each channel's growth (the one definition, :mod:`channel_lib.analysis.growth`) and the
    driver of each margin change of the quarter against the same quarter a year before
    (:func:`~channel_lib.analysis.trends.bridge.margin_drivers`), as HTML; a sentence saying
    why when they cannot be computed (the index never fails for them)."""
    from channel_lib.analysis.growth import revenue_growth
    from channel_lib.analysis.trends.bridge import margin_drivers

    try:
        growth = revenue_growth(ds, quarter)
        drivers = margin_drivers(ds, base=ds.calendar.shift_quarter(quarter, -4), current=quarter)
        names = dict(ds.table("channels")[["channel_id", "channel_name"]].astype(str).values)
    except (ChannelLibError, duckdb.Error, KeyError, ValueError) as exc:  # the index still lists
        return f"<p>Growth and margin drivers are not available: {escape(error_message(exc))}</p>"
    return growth_and_drivers_html(growth, drivers, names)


def index_html(q: QuarterPlan, kpis: str) -> str:
    """The quarter's ``index.html``: its KPIs, then every report and partner pack with its status,
    time, audit trail (the executed notebook) and error."""

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


def write_quarter(q: QuarterPlan, *, common: dict[str, Any], kpis: str, finished: bool) -> None:
    """Rewrite the quarter's ``manifest.json`` and ``index.html`` (atomically).

    Parameters
    ----------
    q : QuarterPlan
    common : dict
        The fields every quarter shares (:func:`manifest_common`).
    kpis : str
        The KPI table of the index (:func:`kpi_table`).
    finished : bool
        ``False`` while the batch runs (status ``running``); then ``ok`` or ``failed``.
    """
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
        "pack_files": q.pack_files,
        "notebooks": [asdict(r) for r in runs],
    }
    atomic_write_text(
        q.folder / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n"
    )
    atomic_write_text(q.folder / "index.html", index_html(q, kpis))


__all__ = [
    "VERSIONED_PACKAGES",
    "growth_lines",
    "index_html",
    "kpi_table",
    "manifest_common",
    "package_versions",
    "write_quarter",
]
