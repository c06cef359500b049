"""Every notebook on every dataset shape (issue 18, point 5): the shape matrix.

Each composite of :mod:`shapes` (``erp``, ``retailer``, ``calendar``, ``yen``: the features each
carries are in ``shapes.SHAPES``) is built from the sample generator and run as one report batch
on the warm pool — every company notebook (``notebooks/00``..``05``), the partner notebook (06)
for the top partner, and the workshop's batch summary (``notebooks/workshop.ipynb``, run as the
batch's last notebook) — without a browser. Then, per shape:

- every report of the batch ran (status ``ok``);
- no executed notebook holds a traceback, an error output or any text on stderr;
- every section either shows its analysis (a table or a chart; sentences for the sections in
  words) or says in words why it does not apply: :data:`SECTIONS` is what a complete dataset
  shows, :data:`REASONS` the sections of each shape that must instead give a reason, and which.

Read the two tables as the specification. A cell that fails stays failing until its fix lands:
nothing here is skipped or expected to fail.

Cost: 31 executions (four batches, one per shape; the retailer has no partner pack) on one pool
of two warm workers shared by every shape (the kernels are warmed once): 2 min 35 s of pytest
time for the 16 tests on the shared 2-core machine at load 5 (earlier runs: 3 min 43 s and
4 min 56 s, when the erp shape's 764 resellers made notebook 04 take 29 s and the workshop
summary 35 s). The batch also exports each report's HTML page, which this matrix does not read.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
import shapes

from channel_lib.batch.executors import make_executor
from channel_lib.batch.run import run_batch

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
#: The workshop notebook joins the batch under this name (the batch runs numbered notebooks only).
WORKSHOP = "07_workshop"

SHOWN = "a table or a chart"
TEXT = "sentences"
#: The opening of every report: the answer box (``channel_lib.presentation.answer``) with findings.
ANSWER = "the answer box"


@dataclass(frozen=True)
class ShownOr:
    """A section whose analysis may be empty on any dataset: it shows it, or says why not
    (``pattern``, a case-insensitive regular expression): an empty table alone is neither."""

    pattern: str


#: Reasons for a missing file: the loader's sentence "This section needs <file>.csv ...".
def needs(file: str) -> str:
    return rf"needs {re.escape(file)}|no {re.escape(file)}"


#: What each section shows on a complete dataset (the default sample): notebook → section
#: heading → SHOWN or TEXT. Headings are the notebooks' ``##``/``###`` headings; the workshop's
#: are its screens' titles in the batch summary.
SECTIONS: dict[str, dict[str, str]] = {
    "00_quarter_overview": {
        "": ANSWER,
        "Headline KPIs": SHOWN,
        "Revenue and gross profit by channel": SHOWN,
        "Attainment against target": SHOWN,
        "Channel dependency": SHOWN,
        "The quarter by channel": SHOWN,
        "Appendix: totals to reconcile with your ERP": SHOWN,
    },
    "01_orientation_alignment": {
        "": ANSWER,
        "Orientation against the plan": TEXT,
        "Corporate goals and the whole channel system": SHOWN,
        "Alignment score by channel": SHOWN,
        "Why: the breakdown": SHOWN,
        "Misalignment in words": TEXT,
        "Are we managing for revenue, or for revenue and profit?": SHOWN,
        "Declared role and actual role": SHOWN,
        "Channel conflict": SHOWN,
        "Dependency risk": SHOWN,
        "Change over time": SHOWN,
        "The channel over time": SHOWN,
        "Every finding in words": TEXT,
    },
    "02_target_setting": {
        "": ANSWER,
        "Objectives": TEXT,
        "Channel targets by method": SHOWN,
        "From last year's run rate to the objective": SHOWN,
        "Quarterly phasing": SHOWN,
        "Partner targets": SHOWN,
        "Tasks and activities → metrics: the leading indicators": SHOWN,
        "The channel metrics model": SHOWN,
        "Checks and the plan": SHOWN,
    },
    "03_investment_allocation": {
        "": ANSWER,
        "Profit net of spend": SHOWN,
        "Findings": TEXT,
        "Spend that follows revenue is not a lever": SHOWN,
        "Response curves": SHOWN,
        "Return of one more unit of spend": SHOWN,
        "If the budget is fixed: the recommended split": SHOWN,
        "Budget scenarios": SHOWN,
        "When: phasing over the coming quarters": SHOWN,
        "Fitted parameters": SHOWN,
    },
    "04_revenue_profit_trends": {
        "": ANSWER,
        "Revenue, gross profit and contribution by channel": SHOWN,
        "Margin over time, with its trend": SHOWN,
        "Where revenue and profit part ways": SHOWN,
        "Forecast of the next quarters": SHOWN,
        "Appendix: scores and methods": TEXT,
        "Profit bridge": SHOWN,
    },
    "05_performance_signals": {
        "": ANSWER,
        "Scorecards": SHOWN,
        "Exceptions": ShownOr(r"no exceptions?|every .* (met|on) (its )?target"),
        "Early-warning signals": SHOWN,
        "Win/loss interviews": ShownOr(r"no deals?"),
        "Partner reporting": SHOWN,
        "Partner portfolio": SHOWN,
        "Action register": TEXT,
    },
    "06_partner_review": {
        "": ANSWER,
        "Talking points for the meeting": TEXT,
        "Performance against target": SHOWN,
        "Share of wallet and line card": SHOWN,
        "Service metrics": SHOWN,
        "Signals and their evidence": ShownOr(r"no signals?"),
        "Deals for win/loss review": ShownOr(r"no deals?"),
        "Suggested actions": ShownOr(r"no (suggested )?actions?|nothing to suggest"),
    },
}

#: How target setting opens for a year goals.yaml does not have (FY2027 on every shape here).
PROPOSAL_OPENING = r"Proposal, not a plan\.\** goals\.yaml has no section for FY2027"

#: Per shape, the sections that must say why they do not apply instead: (notebook, section) →
#: a regular expression the section's words must match (case-insensitive); the section may still
#: show what it can. Section "" is the notebook's opening (before its first ``##`` heading).
#: Every other section of :data:`SECTIONS` must show what it shows on a complete dataset.
REASONS: dict[str, dict[tuple[str, str], str]] = {
    "erp": {
        # no targets anywhere
        ("00_quarter_overview", "Attainment against target"): needs("targets.csv"),
        # goals up to FY2026 only: FY2027's objective is a proposal from the forecast, said
        # first and saved apart from the official targets
        ("02_target_setting", ""): PROPOSAL_OPENING,
        ("02_target_setting", "Objectives"): r"proposed",
        ("02_target_setting", "Checks and the plan"): r"proposals/targets\.csv",
        # no opportunities, no partner reports
        ("05_performance_signals", "Win/loss interviews"): needs("opportunities.csv"),
        ("05_performance_signals", "Partner reporting"): needs("partner_reports.csv"),
        ("06_partner_review", "Share of wallet and line card"): needs("partner_reports.csv"),
        ("06_partner_review", "Service metrics"): needs("partner_reports.csv") + "|not reported",
        ("06_partner_review", "Deals for win/loss review"): needs("opportunities.csv"),
    },
    "retailer": {
        ("00_quarter_overview", "Attainment against target"): needs("targets.csv"),
        # FY2024 goals only: FY2026 is scored on them carried forward, FY2027 is a proposal
        ("01_orientation_alignment", ""): r"carried forward",
        ("02_target_setting", ""): PROPOSAL_OPENING,
        ("02_target_setting", "Objectives"): r"proposed",
        ("02_target_setting", "Checks and the plan"): r"proposals/targets\.csv",
        # one direct channel and no partners file
        ("01_orientation_alignment", "Channel conflict"): r"one channel|no partners\.csv",
        ("01_orientation_alignment", "The channel over time"): needs("partners.csv"),
        ("02_target_setting", "Partner targets"): needs("partners.csv"),
        ("05_performance_signals", "Partner reporting"): needs("partners.csv"),
        ("05_performance_signals", "Partner portfolio"): needs("partners.csv"),
        # only the required files
        ("03_investment_allocation", "Findings"): needs("channel_costs.csv"),
        ("04_revenue_profit_trends", "Revenue, gross profit and contribution by channel"): needs(
            "channel_costs.csv"
        ),
        ("05_performance_signals", "Win/loss interviews"): needs("opportunities.csv"),
    },
    "calendar": {},
    "yen": {},
}
#: Without channel costs the investment notebook's sections after its findings have nothing to
#: compute: each must still say so in a sentence (the findings give the reason).
NO_COSTS_QUIET = tuple(s for s in SECTIONS["03_investment_allocation"] if s != "Findings")


# -- reading an executed notebook ----------------------------------------------------------------
@dataclass
class Section:
    """The outputs under one heading of an executed notebook."""

    html: list[str]
    text: list[str]

    @property
    def shows_analysis(self) -> bool:
        """A chart, or a table with at least one data cell (an empty table shows nothing)."""
        return any(re.search(r"<td\b", h) or 'class="cw-chart"' in h for h in self.html)

    @property
    def words(self) -> str:
        scripts = (re.sub(r"<(script|style)\b.*?</\1>", " ", h, flags=re.S) for h in self.html)
        plain = [re.sub(r"<[^>]+>", " ", h) for h in scripts]
        return html_lib.unescape(" ".join(self.text + plain)).replace("\\", "")


def sections(path: Path) -> dict[str, Section]:
    """Heading → its outputs; the workshop summary's ``<h3>`` screen titles count as headings."""
    nb = nbformat.read(path, as_version=4)
    out: dict[str, Section] = {"": Section([], [])}
    current = out[""]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                m = re.match(r"#{2,3}\s+(.*)", line)
                if m:
                    current = out.setdefault(m[1].strip(), Section([], []))
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            page = data.get("text/html", "")
            m = re.match(r"\s*<h3>\d+\.\s*(.*?)</h3>", page)
            if m:
                current = out.setdefault(html_lib.unescape(m[1]), Section([], []))
            if page:
                current.html.append(page)
            if not page and ("text/markdown" in data or "text/plain" in data):
                current.text.append(data.get("text/markdown") or data["text/plain"])
            if output.get("output_type") == "stream":
                current.text.append(output.get("text", ""))
    return out


def problems_of(path: Path) -> list[str]:
    """Tracebacks, error outputs and stderr text of an executed notebook, one line each."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            first = cell.source.splitlines()[0][:60] if cell.source else ""
            if kind == "error":
                found.append(f"cell {i} ({first}): {output['ename']}: {output['evalue']}"[:400])
            elif kind == "stream" and output.get("name") == "stderr":
                found.append(f"cell {i} ({first}): stderr: {output['text'].strip()[:300]}")
            elif "Traceback (most recent call last)" in str(output.get("data", "")):
                found.append(f"cell {i} ({first}): a traceback in its output")
            elif "could not be computed" in str(output.get("data", "")):
                found.append(f"cell {i} ({first}): a screen could not be computed")
    return found


# -- one batch per shape on the warm pool ----------------------------------------------------------
@dataclass
class ShapeRun:
    """One shape's batch: its runs and executed notebooks (name → path)."""

    shape: str
    runs: list
    notebooks: dict[str, Path]


@pytest.fixture(scope="module")
def pool() -> Iterator:
    """Two warm-kernel workers for every shape's batch (the kernels are warmed once)."""
    with make_executor(2) as executor:
        yield executor


@pytest.fixture(scope="module")
def notebooks_dir(tmp_path_factory) -> Path:
    """The numbered notebooks and the workshop notebook, as the batch's notebook folder."""
    folder = tmp_path_factory.mktemp("notebooks")
    for path in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        shutil.copyfile(path, folder / path.name)
    shutil.copyfile(NOTEBOOKS / "workshop.ipynb", folder / f"{WORKSHOP}.ipynb")
    return folder


@pytest.fixture(scope="module", params=list(shapes.SHAPES), ids=list(shapes.SHAPES))
def shape_run(request, pool, notebooks_dir, tmp_path_factory) -> ShapeRun:
    shape = request.param
    base = tmp_path_factory.mktemp(shape)
    data = shapes.BUILDERS[shape](base / "data")
    runs = run_batch(
        data, "latest", out_dir=base / "reports", plans_dir=base / "plans",
        notebooks_dir=notebooks_dir, partners="top:1", executor=pool,
    )  # fmt: skip
    executed = {}
    for r in runs:
        if r.ipynb and Path(r.ipynb).exists():
            name = Path(r.ipynb).stem if not r.key.startswith("partners/") else "06_partner_review"
            executed[name] = Path(r.ipynb)
    return ShapeRun(shape, runs, executed)


def test_every_report_of_the_batch_runs(shape_run: ShapeRun) -> None:
    failed = [f"{r.key}: {r.status} {r.error or ''}" for r in shape_run.runs if r.status != "ok"]
    assert not failed, "\n".join(failed)
    assert set(shape_run.notebooks) == {*SECTIONS, WORKSHOP} - (
        {"06_partner_review"} if shape_run.shape == "retailer" else set()
    )


def test_no_executed_notebook_holds_a_traceback_or_stderr_text(shape_run: ShapeRun) -> None:
    found = [
        f"{name}: {p}" for name, path in shape_run.notebooks.items() for p in problems_of(path)
    ]
    assert not found, "\n".join(found)


def expected_sections(shape: str, notebook: str) -> dict[str, str | ShownOr]:
    """Section → SHOWN, TEXT, ShownOr or the reason's regular expression, for ``shape``."""
    expected: dict[str, str | ShownOr] = dict(SECTIONS[notebook])
    if (notebook, "Findings") in REASONS[shape] and notebook == "03_investment_allocation":
        expected.update(dict.fromkeys(NO_COSTS_QUIET, TEXT))
    expected.update({s: r for (n, s), r in REASONS[shape].items() if n == notebook})
    return expected


def mismatch(want: str | ShownOr, got: Section) -> str | None:
    """Why ``got`` does not meet ``want`` (None when it does)."""
    words = re.sub(r"\s+", " ", got.words).strip()
    if want == SHOWN:
        return None if got.shows_analysis else f"no table or chart: {words[:200]!r}"
    if want == TEXT:
        return None if words else "no sentence"
    if want == ANSWER:
        boxed = any('class="cw-answer"' in h and "<li>" in h for h in got.html)
        return None if boxed else f"no answer box with findings: {words[:200]!r}"
    if isinstance(want, ShownOr):
        if got.shows_analysis or re.search(want.pattern, words, re.I):
            return None
        return f"neither shown nor a reason (/{want.pattern}/): {words[:200]!r}"
    return None if re.search(want, words, re.I) else f"no reason (/{want}/): {words[:200]!r}"


def test_each_section_shows_its_analysis_or_says_why_not(shape_run: ShapeRun) -> None:
    wrong = []
    for notebook in SECTIONS:
        path = shape_run.notebooks.get(notebook)
        if path is None:
            continue  # the first test names the missing report
        seen = sections(path)
        for section, want in expected_sections(shape_run.shape, notebook).items():
            got = seen.get(section)
            why = "no such section" if got is None else mismatch(want, got)
            if why:
                wrong.append(f"{notebook} / {section or '(opening)'}: {why}")
    assert not wrong, "\n".join(wrong)


def test_every_workshop_screen_is_computed_in_the_batch_summary(shape_run: ShapeRun) -> None:
    path = shape_run.notebooks.get(WORKSHOP)
    assert path is not None, "the workshop summary did not run"
    screens = {k: v for k, v in sections(path).items() if k}
    assert len(screens) >= 6, list(screens)
    empty = [k for k, v in screens.items() if not (v.shows_analysis or v.words.strip())]
    assert not empty


def test_every_page_of_the_shape_reads_at_1280_px(shape_run: ShapeRun, browser) -> None:
    """The real-export shapes read as the sample does (tests/test_pages_read.py's checks): no
    element wider than the page, no raw cells, paths, escapes or unreadable figures, an answer
    box on every page — with 200-character names, a January year, yen and a 4-decimal ERP."""
    from page_reading import PAGE_WIDTH, reading_problems

    pages = [Path(p) for r in shape_run.runs for p in (r.html, getattr(r, "brief", None)) if p]
    assert pages, "the batch wrote no page"
    company = next(Path(r.html) for r in shape_run.runs if r.html and r.partner_id is None)
    pages.append(company.parent / "index.html")
    bad = {}
    for path in pages:
        page = browser.new_page(viewport={"width": PAGE_WIDTH, "height": 800})
        try:
            page.goto(path.as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('div.cw-chart')].every("
                "d => d.querySelector('svg, canvas') || d.textContent.trim())",
                timeout=20_000,
            )
            if found := reading_problems(page):
                bad[path.name] = found
        finally:
            page.close()
    assert not bad, "\n".join(f"{n}:\n  " + "\n  ".join(p) for n, p in bad.items())
