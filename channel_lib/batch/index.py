"""A quarter's report index page (``index.html``) and manifest (``manifest.json``).

Both are rewritten whole, atomically, after each finished report (:func:`write_quarter`): a report
not yet finished is listed as ``pending``, so a batch killed at any moment leaves no entry that
looks complete. The index is the quarter's executive summary (:func:`kpi_table` computes it,
:mod:`channel_lib.presentation.pages.executive_summary` words it) with every report's status,
time and error in a closing ``<details>``; the manifest records the parameters, input checksums, package
versions, timings, status and errors.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from channel_lib.analysis.executive import (
    RANKING_RULE,
    ExecutiveSummary,
    executive_summary,
    partner_reasons,
)
from channel_lib.batch.notebook import error_message
from channel_lib.batch.planning import BatchPlan, report_title
from channel_lib.batch.records import BatchParameters, NotebookRun, QuarterPlan, brief_page
from channel_lib.core.errors import ChannelLibError
from channel_lib.core.files import atomic_write_text
from channel_lib.data.loader import Dataset
from channel_lib.data.workbook import Workbook
from channel_lib.presentation.html import escape
from channel_lib.presentation.pages.executive_summary import ReportLink, summary_html
from channel_lib.presentation.pages.margins import growth_and_drivers_html

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


@dataclass(frozen=True)
class IndexContent:
    """What the index shows besides the run status, computed once per quarter before the reports
    run (:func:`kpi_table`): the executive summary, the partner packs' reasons and the growth
    lines, or the sentence saying why the summary is not available."""

    summary: ExecutiveSummary | None = None
    reasons: pd.DataFrame | None = None
    growth: str = ""
    unavailable: str = ""


def kpi_table(ds: Dataset, q: QuarterPlan, plans_dir: Path) -> IndexContent:
    """The index's executive summary of the quarter (:func:`~channel_lib.analysis.executive.
    executive_summary`), the partner packs' reasons and the growth lines.

    The name is the batch's (``run.py`` calls it before the reports run). Never raises for the
    workbook's own errors: the index still lists the reports, and says why in one sentence.
    """
    try:
        wb = Workbook(dataset=ds, quarter=q.label, quarter_reason=q.reason, plans_dir=plans_dir)
        summary = executive_summary(wb)
        reasons = partner_reasons(wb, summary.triaged, list(q.partners)) if q.partners else None
    except (ChannelLibError, duckdb.Error, KeyError, ValueError) as exc:
        return IndexContent(unavailable=error_message(exc), growth=growth_lines(ds, q.label))
    return IndexContent(summary=summary, reasons=reasons, growth=growth_lines(ds, q.label))


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


def _rel(path: str | None, folder: Path) -> str | None:
    """A written file's link relative to the index (``None`` when not written or gone)."""
    if not path or not Path(path).exists():
        return None
    return Path(os.path.relpath(path, folder)).as_posix()


def report_links(q: QuarterPlan) -> tuple[list[ReportLink], list[ReportLink]]:
    """The company reports and the partner packs of ``q`` as the summary links them: title,
    status, page, Excel workbook (``<report>.xlsx`` beside the page) and PDF when written."""

    def one(r: NotebookRun) -> ReportLink:
        html = _rel(r.html, q.folder) if r.status in ("ok", "skipped") else None
        xlsx = r.xlsx or (str(Path(r.html).with_suffix(".xlsx")) if r.html else None)
        if r.partner_id is not None:
            title = f"{r.partner_name or r.partner_id} ({r.partner_id})"
        else:
            title = report_title(r.name, q.label).rsplit(" — ", 1)[0]
        return ReportLink(
            name=r.name, title=title, status=r.status, html=html, xlsx=_rel(xlsx, q.folder),
            pdf=_rel(r.pdf, q.folder), error=r.error, partner_id=r.partner_id,
        )  # fmt: skip

    runs = [one(r) for r in q.runs.values()]
    return [r for r in runs if r.partner_id is None], [r for r in runs if r.partner_id is not None]


def _run_status(q: QuarterPlan) -> tuple[str, str]:
    """The run's one-line summary and its tables (every report with status, time, audit trail
    and error)."""

    def link(path: str | None, text: str) -> str:
        if not path:
            return escape(text)
        rel = Path(os.path.relpath(path, q.folder)).as_posix()
        return f'<a href="{escape(rel)}">{escape(text)}</a>'

    def brief(r: NotebookRun) -> str:
        page = brief_page(r)
        return f" · {link(page, 'internal brief')}" if page else ""

    def row(r: NotebookRun, label: str) -> str:
        time_cell = f"{r.seconds:.1f} s" if r.status in ("ok", "failed", "skipped") else ""
        return (
            f'<tr class="{escape(r.status)}"><td>{link(r.html, label)}{brief(r)}</td>'
            f'<td class="status">{escape(r.status)}</td><td>{time_cell}</td>'
            f"<td>{link(r.ipynb, 'notebook') if r.ipynb else ''}</td>"
            f"<td>{escape(r.error or '')}</td></tr>"
        )

    runs = list(q.runs.values())
    company = [row(r, r.name) for r in runs if r.partner_id is None]
    packs = [row(r, f"{r.partner_name or r.partner_id} ({r.partner_id})")
             for r in runs if r.partner_id is not None]  # fmt: skip
    n_failed = sum(r.status == "failed" for r in runs)
    n_pending = sum(r.status == "pending" for r in runs)
    if n_pending:
        summary = f"batch running or interrupted: {n_pending} of {len(runs)} reports not finished"
    elif n_failed:
        summary = f"{n_failed} of {len(runs)} reports failed"
    else:
        summary = "all reports ran"
    head = "<tr><th>{}</th><th>status</th><th>time</th><th>audit trail</th><th>error</th></tr>"
    tables = (f"<table><thead>{head.format('report')}</thead><tbody>\n"
              + "\n".join(company) + "\n</tbody></table>")  # fmt: skip
    if packs:
        tables += (f"\n<h3>Partner packs</h3>\n<table><thead>{head.format('partner')}</thead>"
                   "<tbody>\n" + "\n".join(packs) + "\n</tbody></table>")  # fmt: skip
    return summary, tables


def _failed_line(q: QuarterPlan) -> str:
    """One line at the top naming every failed report (empty when none failed)."""
    failed = [r for r in q.runs.values() if r.status == "failed"]
    if not failed:
        return ""
    names = ", ".join(
        f"{r.partner_name or r.partner_id} ({r.partner_id})" if r.partner_id
        else report_title(r.name, q.label).rsplit(" — ", 1)[0]
        for r in failed
    )  # fmt: skip
    first = (failed[0].error or "").splitlines()[0] if failed[0].error else ""
    why = f": {first}" if first else ""
    return f'<p class="failed-line">Failed: {escape(names)}{escape(why)} (see the run status below).</p>'


def index_html(q: QuarterPlan, kpis: IndexContent | str) -> str:
    """The quarter's ``index.html``: the executive summary (the year's answer, the quarter, the
    five findings, one line per question, the partner packs by reason, Excel and PDF links),
    then the run status (every report's status, time, audit trail and error) in ``<details>``.

    ``kpis`` is :func:`kpi_table`'s content (a plain HTML string is shown as it is)."""
    content = kpis if isinstance(kpis, IndexContent) else IndexContent(growth=kpis)
    reports, packs = report_links(q)
    if content.summary is None and not content.unavailable and not content.growth:
        body = summary_html(
            None, reports, packs, unavailable="it was not computed for this run.",
            coverage=q.reason,
        )  # fmt: skip
    else:
        body = summary_html(
            content.summary, reports, packs, reasons=content.reasons,
            unavailable=content.unavailable, rule=RANKING_RULE, coverage=q.reason,
        )  # fmt: skip
    growth = f"<h2>Growth and margin by channel</h2>\n{content.growth}" if content.growth else ""
    summary, tables = _run_status(q)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Channel reports — {escape(q.label)}</title>
<style>
body {{ font-family: Segoe UI, Helvetica, Arial, sans-serif; max-width: 1000px; margin: 2rem auto;
        font-size: 15px; line-height: 1.45; }}
table {{ border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }}
td, th {{ text-align: left; padding: 0.3rem 0.6rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
section.cw-answer {{ border-left: 4px solid #1f5fa8; background: #f3f7fc; padding: 0.6rem 1rem; }}
section.cw-answer .cw-answer-title {{ font-weight: 700; margin: 0 0 0.3rem; }}
section.cw-answer ul {{ margin: 0; padding-left: 1.2rem; }}
section.cw-answer li:first-child {{ font-size: 1.2rem; font-weight: 600; }}
details.cw-coverage {{ color: #555; margin: 0.6rem 0; }}
p.failed-line {{ color: #b00020; font-weight: 600; }}
p.rule, ul.notes {{ color: #555; font-size: 0.85rem; }}
ol.findings li.risk::marker {{ color: #b00020; }}
ol.findings li.opportunity::marker {{ color: #1b7f3b; }}
tr.failed .status {{ color: #b00020; font-weight: 600; }}
tr.pending .status {{ color: #8a6d00; }}
tr.ok .status, tr.skipped .status {{ color: #1b7f3b; }}
details summary {{ cursor: pointer; font-weight: 600; }}
</style></head><body>
<h1>Channel reports — {escape(q.label)}</h1>
{_failed_line(q)}
{body}
{growth}
<details><summary>Run status: {escape(summary)}</summary>
<p>Run started {escape(q.started)}. Details in <a href="manifest.json">manifest.json</a>.</p>
{tables}
</details>
</body></html>
"""


def write_quarter(
    q: QuarterPlan, *, common: dict[str, Any], kpis: IndexContent | str, finished: bool
) -> None:
    """Rewrite the quarter's ``manifest.json`` and ``index.html`` (atomically).

    Parameters
    ----------
    q : QuarterPlan
    common : dict
        The fields every quarter shares (:func:`manifest_common`).
    kpis : IndexContent or str
        The index's summary (:func:`kpi_table`).
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
        "notebooks": [{**asdict(r), "brief": brief_page(r)} for r in runs],
    }
    atomic_write_text(
        q.folder / "manifest.json", json.dumps(manifest, indent=2, default=str) + "\n"
    )
    atomic_write_text(q.folder / "index.html", index_html(q, kpis))


__all__ = [
    "VERSIONED_PACKAGES",
    "IndexContent",
    "growth_lines",
    "index_html",
    "kpi_table",
    "manifest_common",
    "package_versions",
    "report_links",
    "write_quarter",
]
