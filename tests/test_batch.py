"""The parallel runner: warm kernels give what fresh ones give, a killed batch resumes into a
complete set, and the same batch runs on a local Dask cluster.

Everything runs on ``tests/data/tiny`` with fixture notebooks that take about a second.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from report_fixtures import PARTNER_NOTEBOOK, write_notebook

from channel_lib import load_dataset
from channel_lib.batch import engine, planning
from channel_lib.batch import run as reports
from channel_lib.batch.notebook import run_notebook
from channel_lib.data.prepared import PREPARED_ENV, prepare_dataset
from channel_lib.plans import actions as act

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny"


def _cells(path: Path) -> list:
    """What a reader sees of an executed notebook: per code cell its execution count and outputs,
    without metadata (timings) and with random element ids (charts, pandas Styler) made equal."""
    nb = nbformat.read(path, as_version=4)
    seen = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.outputs:
            out = {k: v for k, v in out.items() if k != "metadata"}
            text = json.dumps(out)
            outputs.append(re.sub(r"T_[0-9a-f]{5}", "T_ID", text))  # pandas Styler's random id
        seen.append((cell.source, cell.get("execution_count"), outputs))
    return seen


# -- warm kernels ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def warm_pool():
    yield engine
    engine.shutdown_kernels()


def test_warm_kernel_reports_equal_fresh_kernel_reports(warm_pool, tiny, tmp_path, monkeypatch):
    monkeypatch.setenv(PREPARED_ENV, str(prepare_dataset(tiny, tmp_path / "prepared")))
    params = {"data_dir": str(TINY), "quarter": "FY2026-Q3", "plans_dir": str(tmp_path / "plans")}
    warm = []
    # the third run is the one that matters: a kernel that already ran two notebooks
    for i, pid in enumerate(["P2", "P3", "P2"]):
        out = tmp_path / f"warm{i}.ipynb"
        run_notebook(
            PARTNER_NOTEBOOK, out, {**params, "partner_id": pid}, engine=engine.WARM_ENGINE
        )
        warm.append(out)
    fresh = run_notebook(
        PARTNER_NOTEBOOK, tmp_path / "fresh.ipynb", {**params, "partner_id": "P2"},
        engine=engine.FRESH_ENGINE,
    )  # fmt: skip
    expected = _cells(fresh)
    assert any("vega-bundle" in o for _, _, outs in expected for o in outs)  # bundle re-emitted
    assert _cells(warm[0]) == expected
    assert _cells(warm[2]) == expected
    assert _cells(warm[1]) != expected  # another partner: the comparison can fail


def test_partner_review_on_a_warm_kernel_after_other_packs_equals_a_fresh_kernel_run(
    warm_pool, tiny, tmp_path, monkeypatch
):
    """Notebook 06 keeps company-wide frames in module memos that outlive the namespace reset."""
    monkeypatch.setenv(PREPARED_ENV, str(prepare_dataset(tiny, tmp_path / "prepared")))
    notebook = ROOT / "notebooks" / "06_partner_review.ipynb"

    def run(name: str, pid: str, engine: str, plans: Path) -> Path:
        shutil.rmtree(plans, ignore_errors=True)  # each run starts from an empty action log
        params = {"data_dir": str(TINY), "quarter": "FY2026-Q3", "partner_id": pid,
                  "plans_dir": str(plans)}  # fmt: skip
        return run_notebook(notebook, tmp_path / f"{name}.ipynb", params, engine=engine)

    # the first run fills the memos of the kernel the second one gets
    run("warm0", "P3", engine.WARM_ENGINE, tmp_path / "other" / "plans")
    warm = run("warm1", "P2", engine.WARM_ENGINE, tmp_path / "plans")
    fresh = run("fresh", "P2", engine.FRESH_ENGINE, tmp_path / "plans")
    assert _cells(warm) == _cells(fresh)


def test_a_name_left_by_one_notebook_is_gone_in_the_next(warm_pool, tmp_path):
    first = write_notebook(
        tmp_path, "first", "x: int = 1  # a value", "leftover = 42\nimport os\nos.chdir('/')"
    )
    second = write_notebook(
        tmp_path, "second", "x: int = 1  # a value",
        "import os\nprint('leftover' in globals(), os.getcwd(), get_ipython().execution_count)",
    )  # fmt: skip
    run_notebook(first, tmp_path / "o1.ipynb", {}, engine=engine.WARM_ENGINE, cwd=ROOT)
    run_notebook(second, tmp_path / "o2.ipynb", {}, engine=engine.WARM_ENGINE, cwd=ROOT)
    out = nbformat.read(tmp_path / "o2.ipynb", as_version=4).cells[-1].outputs[0]["text"]
    assert out.split() == ["False", str(ROOT), "3"]  # 3 = parameters, injected, this cell


def test_the_warm_engine_saves_the_running_copy_at_start_and_end_not_per_cell(
    warm_pool, tmp_path, monkeypatch
):
    import papermill.engines

    writes = []
    real = papermill.engines.write_ipynb
    monkeypatch.setattr(
        papermill.engines, "write_ipynb", lambda nb, path: (writes.append(path), real(nb, path))
    )
    source = write_notebook(tmp_path, "many", "x: int = 1  # a value", "y = x + 1")
    nb = nbformat.read(source, as_version=4)
    nb.cells += [new_code_cell(f"print({i})") for i in range(6)]
    nbformat.write(nb, source)
    out = run_notebook(source, tmp_path / "many_out.ipynb", {}, engine=engine.WARM_ENGINE)
    assert len(writes) == 2  # papermill's engines write twice per cell: 18 times here
    done = nbformat.read(out, as_version=4)
    assert [c.metadata.papermill["status"] for c in done.cells] == ["completed"] * 8
    assert [c.outputs[0]["text"] for c in done.cells[2:]] == [f"{i}\n" for i in range(6)]


# -- SIGKILL, then --resume -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def slow_notebooks(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("slow")
    for i in range(3):
        write_notebook(
            folder, f"0{i}_slow",
            'quarter: str = "latest"  # fiscal quarter',
            "import time\ntime.sleep(1.0)\n"
            f'from channel_lib import html\nhtml.markdown("report {i} for **{{q}}**", q=quarter)',
        )  # fmt: skip
    return folder


def _complete_entries(manifest_path: Path) -> list[dict]:
    if not manifest_path.exists():
        return []
    manifest = json.loads(manifest_path.read_text())  # never half-written: atomic rename
    return [r for r in manifest["notebooks"] if r["status"] in ("ok", "skipped")]


def test_sigkill_mid_batch_then_resume_gives_a_complete_correct_set(slow_notebooks, tmp_path):
    out = tmp_path / "reports"
    quarters = "FY2026-Q2..FY2026-Q3"
    cmd = [sys.executable, "-m", "channel_lib.cli.commands", "report", "--data", str(TINY),
           "--quarter", quarters, "--out", str(out), "--plans", str(tmp_path / "plans"),
           "--notebooks-dir", str(slow_notebooks), "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    manifests = [out / q / "manifest.json" for q in ("FY2026-Q2", "FY2026-Q3")]
    deadline = time.monotonic() + 120
    while not any(_complete_entries(m) for m in manifests):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no report finished within 120 s"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # like `timeout -s KILL`: the batch process only
    proc.wait()
    proc.stderr.close()
    time.sleep(1.5)  # its orphaned workers notice and exit (they watch the batch's pid)

    done_before = set()
    for manifest in manifests:
        for entry in _complete_entries(manifest):
            page = Path(entry["html"]).read_text(encoding="utf-8")
            assert page.rstrip().endswith("</html>")  # an entry marked ok is complete
            done_before.add((entry["quarter"], entry["key"]))
        if manifest.exists():
            entries = json.loads(manifest.read_text())["notebooks"]
            assert len(done_before) < 6 and any(e["status"] == "pending" for e in entries)
    if any(q == "FY2026-Q3" for q, _ in done_before):  # quarters run in order
        assert {("FY2026-Q2", f"0{i}_slow") for i in range(3)} <= done_before
    for page in out.rglob("*.html"):  # no visible half-written page
        assert page.read_text(encoding="utf-8").rstrip().endswith("</html>"), page

    runs = reports.run_batch(
        TINY, quarters, out_dir=out, plans_dir=tmp_path / "plans",
        notebooks_dir=slow_notebooks, resume=True, workers=1,
    )  # fmt: skip
    assert {(r.quarter, r.key) for r in runs if r.status == "skipped"} == done_before
    assert all(r.status in ("ok", "skipped") for r in runs) and len(runs) == 6
    for q in ("FY2026-Q2", "FY2026-Q3"):
        folder = out / q
        visible = sorted(p.name for p in folder.iterdir())
        assert visible == sorted(
            [f"0{i}_slow.{ext}" for i in range(3) for ext in ("html", "ipynb")]
            + ["index.html", "manifest.json"]
        )  # and no temporary files left over
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["status"] == "ok"
        for i in range(3):
            assert (
                f"report {i} for <strong>{q}</strong>" in (folder / f"0{i}_slow.html").read_text()
            )


# -- quarters in order, the action-raising notebook before the packs --------------------------------
def _action(quarter: str, partner_id: str) -> dict:
    return {"action_id": f"{quarter}-{partner_id}-target_gap", "raised_in": quarter,
            "scope": f"partner:{partner_id}", "trigger": "target_gap", "action": "plan it",
            "owner": "CAM", "due": "2027-01-31", "status": "open", "partner_id": partner_id,
            "recorded_in": quarter}  # fmt: skip


def test_quarters_run_in_order_and_each_reviews_only_the_actions_raised_up_to_it(
    tmp_path, monkeypatch
):
    """A stand-in for each report records what it saw of the action log (no notebook runs): the
    stand-in of notebook 05 raises an action for P2 (FY2026-Q3) and P3 (FY2026-Q4)."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    q_param = 'quarter: str = "latest"  # fiscal quarter'
    write_notebook(folder, "00_other", q_param, "pass")
    write_notebook(folder, "05_raises", q_param + '\naccept: str = "all"  # actions', "pass")
    write_notebook(folder, "06_pack", q_param + '\npartner_id: str = "P1"  # partner', "pass")
    plans, events, lock = tmp_path / "plans", [], threading.Lock()

    def stand_in(task) -> dict:
        seen = act.as_of(act.read_log(plans), task.quarter)
        with lock:
            events.append(("start", task.quarter, task.key, sorted(seen["action_id"])))
        time.sleep(0.1)
        if task.key == "05_raises":
            act.append_rows(plans, [_action(task.quarter, raises[task.quarter])])
        with lock:
            events.append(("end", task.quarter, task.key, []))
        return {"status": "ok", "seconds": 0.1, "export_seconds": 0.0}

    raises = {"FY2026-Q3": "P2", "FY2026-Q4": "P3"}
    monkeypatch.setattr(reports, "execute_task", stand_in)
    monkeypatch.setattr(reports, "kpi_table", lambda *a: "")  # the index's summary: not tested
    assert planning.flagged_partners(load_dataset(TINY), "FY2026-Q4") == []  # as stubbed:
    monkeypatch.setattr(planning, "flagged_partners", lambda ds, q: [])  # ~1 s a quarter

    def batch(quarters: str) -> list:
        events.clear()
        with ThreadPoolExecutor(3) as pool:
            return reports.run_batch(
                TINY, quarters, out_dir=tmp_path / "out", plans_dir=plans,
                notebooks_dir=folder, partners="flagged+P1", executor=pool,
            )  # fmt: skip

    runs = batch("FY2026-Q3..FY2026-Q4")
    # no partner of tiny is flagged by its signals: P2's FY2026-Q4 pack is there for the action
    # FY2026-Q3 raised in this same batch (the quarter is planned again when it is reached)
    assert [(r.quarter, r.key, r.status) for r in runs] == [
        ("FY2026-Q3", "00_other", "ok"), ("FY2026-Q3", "05_raises", "ok"),
        ("FY2026-Q3", "partners/P1", "ok"),
        ("FY2026-Q4", "00_other", "ok"), ("FY2026-Q4", "05_raises", "ok"),
        ("FY2026-Q4", "partners/P2", "ok"), ("FY2026-Q4", "partners/P1", "ok"),
    ]  # fmt: skip
    order = [(kind, q, key) for kind, q, key, _ in events]
    last_q3_end = max(i for i, (k, q, _) in enumerate(order) if k == "end" and q == "FY2026-Q3")
    first_q4_start = min(
        i for i, (k, q, _) in enumerate(order) if k == "start" and q == "FY2026-Q4"
    )
    assert last_q3_end < first_q4_start  # quarters in order
    for q in ("FY2026-Q3", "FY2026-Q4"):
        raised = order.index(("end", q, "05_raises"))
        packs = [i for i, (k, qq, key) in enumerate(order) if k == "start" and qq == q
                 and key.startswith("partners/")]  # fmt: skip
        assert packs and min(packs) > raised  # the packs start once 05 has raised its actions
        assert order.index(("start", q, "00_other")) < raised  # the others run beside it
    seen = {(q, key): ids for kind, q, key, ids in events if kind == "start"}
    # P2's FY2026-Q4 pack reviews FY2026-Q3's action, and sees what 05 raised before it
    assert seen[("FY2026-Q4", "partners/P2")] == [
        "FY2026-Q3-P2-target_gap", "FY2026-Q4-P3-target_gap"
    ]  # fmt: skip
    assert seen[("FY2026-Q3", "partners/P1")] == ["FY2026-Q3-P2-target_gap"]  # raised before it

    # FY2026-Q3 again, later: the log holds the FY2026-Q4 action, the quarter does not see it
    assert "FY2026-Q4-P3-target_gap" in set(act.read_log(plans)["action_id"])
    runs = batch("FY2026-Q3")
    assert [r.key for r in runs] == ["00_other", "05_raises", "partners/P1"]
    seen = [ids for kind, _, _, ids in events if kind == "start"]
    assert seen and all("FY2026-Q4-P3-target_gap" not in ids for ids in seen)


# -- Dask --------------------------------------------------------------------------------------------
def test_the_batch_runs_on_a_local_dask_cluster(tmp_path, slow_notebooks):
    import distributed

    failing = tmp_path / "notebooks"
    failing.mkdir()
    (failing / "00_slow.ipynb").write_bytes((slow_notebooks / "00_slow.ipynb").read_bytes())
    write_notebook(failing, "01_fails", 'quarter: str = "latest"  # fiscal quarter', "1 / 0")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):  # fmt: skip
        runs = reports.run_batch(
            TINY, "FY2026-Q3", out_dir=tmp_path / "out", plans_dir=tmp_path / "plans",
            notebooks_dir=failing, executor=client.get_executor(pure=False),
        )  # fmt: skip
        client.run(engine.shutdown_kernels)
    assert [(r.key, r.status) for r in runs] == [("00_slow", "ok"), ("01_fails", "failed")]
    assert runs[1].error == "ZeroDivisionError: division by zero"
    assert all(r.worker and r.worker.split(":")[1] != str(os.getpid()) for r in runs)
    assert (tmp_path / "out" / "FY2026-Q3" / "00_slow.html").exists()
