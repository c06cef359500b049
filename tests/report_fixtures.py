"""Session fixtures for the report tests (a pytest plugin: ``pytest_plugins`` in conftest.py).

Executing a notebook costs 5-10 s, so every executed notebook and HTML page is made once per test
session and shared: the demo fixture notebook (``tests/fixtures/chart_demo.ipynb``) through
``run_notebook`` + ``export_html``, and every real ``notebooks/NN_*.ipynb`` through the batch
(``channel_lib.batch.run``) on ``data/sample`` when it exists, else on ``tests/data/tiny``.
A third batch runs the quarter overview and the partner review (notebook 06: each pack a deck
and a brief) on a copy of ``tests/data/tiny`` whose partner, customer and channel names are
hostile markup (:data:`HOSTILE_NAMES`), for the escaping and browser tests, and where one partner
has a canary gross profit (:data:`CANARY_LINE`) that the partner's deck must never show.
Under pytest-xdist the workers share one copy (built under a file lock in the session's common
temp folder); nothing is written into the repository.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
#: The notebooks the batch runs; CHANNEL_TEST_NOTEBOOKS points the report tests at another folder
#: (to try the guards on notebooks in progress).
NOTEBOOKS = Path(os.environ.get("CHANNEL_TEST_NOTEBOOKS") or ROOT / "notebooks")
DEMO_NOTEBOOK = FIXTURES / "chart_demo.ipynb"
PARTNER_NOTEBOOK = FIXTURES / "partner_pack.ipynb"
TINY = ROOT / "tests" / "data" / "tiny"
#: The hostile batch: quarter, the partners it packs, and the names made hostile in the data.
HOSTILE_QUARTER = "FY2026-Q3"
HOSTILE_PARTNERS = "P2,P3"
HOSTILE_NAMES = {
    ("partners.csv", "P2"): "<script>alert('partner')</script>",
    ("customers.csv", "C4"): "<img src=x onerror=alert('customer')>",
    ("channels.csv", "DIST"): "<script>alert('channel')</script>",
}
#: The canary: one sales line giving partner P3 a gross profit of 4,817,293.56 in the hostile
#: quarter (with its other line there, 1,100.00), a figure no other in the data shares.
CANARY_PARTNER = "P3"
CANARY_LINE = ["O9001", "1", "2026-02-20", "WEB", CANARY_PARTNER, "C6", "SKU1", "9000",
               "8600000.00", "3783806.44", ""]  # fmt: skip
#: A large deal of P2 with the hostile customer C4 won in the hostile quarter: both the brief's
#: deal table and the deck's win/loss interview request name the customer.
HOSTILE_DEAL = ["D9", "P2", "C4", "350000.00", "2025-12-01", "won", "2026-03-10", ""]
#: The hostile batch's dataset and plans folder names (SQL and shell metacharacters).
HOSTILE_DATA_FOLDER = "o'brien; -- data"
HOSTILE_PLANS_FOLDER = 'pl"ans; --'
BAD_PAGE_TEMPLATE = FIXTURES / "bad_report.html"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


#: Partner packs the shared batch makes per partner notebook (few: each pack is an execution).
BATCH_PARTNERS = "top:2"


def write_notebook(folder: Path, name: str, params: str, body: str) -> Path:
    """A two-cell notebook ``folder/name.ipynb``: a ``parameters`` cell and one code cell."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[new_code_cell(params, metadata={"tags": ["parameters"]}), new_code_cell(body)]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def assert_same_tables(ds, reference) -> None:
    """Every table of ``reference`` has the same columns, types and rows in ``ds`` (DuckDB)."""
    for name in reference.files:
        query = f"SELECT * FROM {name} ORDER BY ALL"
        assert (
            ds.con.execute(f"DESCRIBE {name}").fetchall()
            == reference.con.execute(f"DESCRIBE {name}").fetchall()
        ), name
        assert ds.con.execute(query).fetchall() == reference.con.execute(query).fetchall(), name


def batch_data_dir() -> Path:
    """The dataset the real notebooks run on: the sample when present, else the tiny one."""
    sample = ROOT / "data" / "sample"
    return sample if (sample / "goals.yaml").exists() else ROOT / "tests" / "data" / "tiny"


def real_notebooks() -> list[Path]:
    """The numbered notebooks of the workbook (what ``channel-workbook report`` runs)."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


#: Names of every report page the tests open: the demo, one per real notebook, the batch index,
#: and the hostile batch's partner pack and index.
REPORT_NAMES = [
    "chart_demo",
    *(p.stem for p in real_notebooks()),
    *(["index"] if real_notebooks() else []),
    "hostile_partner_pack",
    "hostile_index",
]


# -- building once per session, shared between xdist workers ---------------------------------------
def _shared_folder(
    tmp_path_factory: pytest.TempPathFactory, key: str, build: Callable[[Path], None]
) -> Path:
    """Build ``key`` once for the whole session (all xdist workers) and return its folder."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # common to every worker of this session
    folder = base / f"shared-{key}"
    done = folder / ".done"
    with _locked(base / f"shared-{key}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            done.write_text("ok\n")
    return folder


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no sharing, each worker builds its own
        yield
        return
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@dataclass
class Batch:
    """Outcome of ``channel-workbook report`` over the real notebooks (empty if there are none)."""

    exit_status: int | None
    folder: Path | None
    manifest: dict = field(default_factory=dict)
    log: str = ""

    def html(self, name: str) -> Path:
        if name == "index" and self.folder is not None:
            return self.folder / "reports" / self.manifest["quarter"] / "index.html"
        run = next((r for r in self.manifest.get("notebooks", []) if r["name"] == name), None)
        if run is None or not run.get("html"):
            pytest.fail(f"the batch made no HTML for {name}: {run}\n{self.log}")
        return Path(run["html"])


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HTML page of the executed demo notebook (charts, a table, markdown, hostile values)."""

    def build(folder: Path) -> None:
        from channel_lib.batch.notebook import run_notebook
        from channel_lib.presentation.html import export_html

        ipynb = run_notebook(DEMO_NOTEBOOK, folder / "chart_demo.ipynb", {"quarter": "FY2026-Q3"})
        export_html(ipynb, folder / "chart_demo.html", title="Chart demo")

    return _shared_folder(tmp_path_factory, "demo", build) / "chart_demo.html"


@pytest.fixture(scope="session")
def batch_reports(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Run the report batch (every real notebook, latest quarter) into a temp folder, once."""
    if not real_notebooks():
        return Batch(exit_status=None, folder=None)

    def build(folder: Path) -> None:
        import io
        from contextlib import redirect_stderr

        from channel_lib.batch.run import run_batch

        log = io.StringIO()
        with redirect_stderr(log):
            runs = run_batch(
                batch_data_dir(), "latest", out_dir=folder / "reports",
                plans_dir=folder / "plans", notebooks_dir=NOTEBOOKS, partners=BATCH_PARTNERS,
            )  # fmt: skip
        status = 1 if any(r.status == "failed" for r in runs) else 0
        (folder / "batch.json").write_text(
            json.dumps({"exit_status": status, "log": log.getvalue()})
        )

    folder = _shared_folder(tmp_path_factory, "batch", build)
    info = json.loads((folder / "batch.json").read_text())
    manifests = sorted((folder / "reports").glob("*/manifest.json"))
    manifest = json.loads(manifests[0].read_text()) if manifests else {}
    return Batch(info["exit_status"], folder, manifest, info["log"])


def write_hostile_dataset(dest: Path) -> Path:
    """A copy of ``tests/data/tiny`` with the names of :data:`HOSTILE_NAMES` replaced and the
    canary sales line :data:`CANARY_LINE` and the deal :data:`HOSTILE_DEAL` added."""
    import csv

    shutil.copytree(TINY, dest)
    for file, row in (("sales.csv", CANARY_LINE), ("opportunities.csv", HOSTILE_DEAL)):
        with (dest / file).open("a", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerow(row)
    for (file, key), name in HOSTILE_NAMES.items():
        path = dest / file
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        name_col = rows[0].index(file.removesuffix("s.csv") + "_name")
        for row in rows[1:]:
            if row[0] == key:
                row[name_col] = name
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    return dest


@pytest.fixture(scope="session")
def hostile_batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """The quarter overview and partner packs on hostile names (see :data:`HOSTILE_NAMES`)."""

    def build(folder: Path) -> None:
        import io
        from contextlib import redirect_stderr

        from channel_lib.batch.run import run_batch

        # quotes, a semicolon and an SQL comment in the dataset and plans folder names: paths
        # reach DuckDB as parameters, never as SQL text (issue 24)
        data = write_hostile_dataset(folder / HOSTILE_DATA_FOLDER)
        notebooks = folder / "notebooks"
        notebooks.mkdir()
        review = ROOT / "notebooks" / "06_partner_review.ipynb"
        shutil.copy(review if review.exists() else PARTNER_NOTEBOOK, notebooks / review.name)
        if (ROOT / "notebooks" / "00_quarter_overview.ipynb").exists():
            shutil.copy(ROOT / "notebooks" / "00_quarter_overview.ipynb", notebooks)
        log = io.StringIO()
        with redirect_stderr(log):
            runs = run_batch(
                data, HOSTILE_QUARTER, out_dir=folder / "reports",
                plans_dir=folder / HOSTILE_PLANS_FOLDER, notebooks_dir=notebooks,
                partners=HOSTILE_PARTNERS,
            )  # fmt: skip
        status = 1 if any(r.status == "failed" for r in runs) else 0
        (folder / "batch.json").write_text(
            json.dumps({"exit_status": status, "log": log.getvalue()})
        )

    folder = _shared_folder(tmp_path_factory, "hostile", build)
    info = json.loads((folder / "batch.json").read_text())
    manifest = json.loads((folder / "reports" / HOSTILE_QUARTER / "manifest.json").read_text())
    return Batch(info["exit_status"], folder, manifest, info["log"])


@pytest.fixture(scope="session")
def report_page(demo_report: Path, batch_reports: Batch, request) -> Callable[[str], Path]:
    """``report_page(name)`` → the HTML report of ``name`` (one of :data:`REPORT_NAMES`)."""

    def get(name: str) -> Path:
        if name == "chart_demo":
            return demo_report
        if name.startswith("hostile_"):
            hostile = request.getfixturevalue("hostile_batch")
            if name == "hostile_index":
                return hostile.html("index")
            packs = [r for r in hostile.manifest["notebooks"] if r.get("partner_id") == "P2"]
            if not packs or not packs[0].get("html"):
                pytest.fail(f"the hostile batch made no partner pack for P2\n{hostile.log}")
            return Path(packs[0]["html"])
        return batch_reports.html(name)

    return get


@pytest.fixture(scope="session")
def bad_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A deliberately broken report: CDN script and link, a chart that fails, an empty chart, a
    chart without tooltips, a console error and a stderr output."""
    from channel_lib.presentation.html import chart_html, vega_bundle_html

    values = [{"c": "A", "v": 3}, {"c": "B", "v": 5}]
    charts = "\n".join(
        [
            chart_html({"mark": "no-such-mark", "data": {"values": values}}),  # fails
            chart_html({"mark": "bar", "data": {"values": []},
                        "encoding": {"x": {"field": "v", "type": "quantitative"}}}),  # no marks
            chart_html({"mark": {"type": "bar", "tooltip": False}, "data": {"values": values},
                        "encoding": {"y": {"field": "c", "type": "nominal"},
                                     "x": {"field": "v", "type": "quantitative"}}}),  # no tooltip
        ]
    )  # fmt: skip
    text = BAD_PAGE_TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("<!-- VEGA_BUNDLE -->", vega_bundle_html()).replace(
        "<!-- CHARTS -->", charts
    )
    path = tmp_path_factory.mktemp("bad") / "bad_report.html"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def browser():
    """Headless Debian chromium driven by Playwright (never downloads a browser)."""
    if not CHROMIUM.exists():
        pytest.fail("needs /usr/bin/chromium: run `make chromium` (apt-get install -y chromium)")
    from playwright import sync_api

    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
